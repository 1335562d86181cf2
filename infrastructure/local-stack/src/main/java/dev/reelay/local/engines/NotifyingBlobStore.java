package dev.reelay.local.engines;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.InputStream;

/**
 * The store s3proxy serves, reporting each object it creates: s3proxy's handler writes objects
 * through {@code putBlob} (PUT, and POST form uploads), {@code copyBlob} (PUT with a copy source)
 * and {@code completeMultipartUpload}. Everything else is forwarded unchanged; the interface's
 * default methods run here and call the forwarded ones, as they do on the nio2 stores.
 * Starting a multipart upload also calls {@code putBlob}, for a stub object of s3proxy's own,
 * which no subscription's prefix matches.
 */
final class NotifyingBlobStore extends ForwardingBlobStore {
    private final S3Notifications notifications;

    NotifyingBlobStore(BlobStore delegate, S3Notifications notifications) {
        super(delegate);
        this.notifications = notifications;
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        PutObjectResponse response = super.putBlob(request, content);
        notifications.objectCreated(delegate(), "ObjectCreated:Put", request.bucket(), request.key());
        return response;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        CopyObjectResponse response = super.copyBlob(request);
        notifications.objectCreated(delegate(), "ObjectCreated:Copy", request.destinationBucket(), request.destinationKey());
        return response;
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload, CompleteMultipartUploadRequest request) {
        CompleteMultipartUploadResponse response = super.completeMultipartUpload(upload, request);
        notifications.objectCreated(delegate(), "ObjectCreated:CompleteMultipartUpload", upload.containerName(), upload.blobName());
        return response;
    }
}
