package dev.reelay.local.calls;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Request;
import software.amazon.awssdk.services.sfn.model.SfnRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IAM actions an AWS SDK request needs, and on what: {@code dynamodb:<Operation>} on the table
 * (or {@code table/<name>/index/<index>} for a Query or Scan of an index), S3 operations by the
 * action that authorizes them, {@code states:<Operation>} on the state machine or execution.
 * <p>
 * Some operations are not actions of their own: a {@code TransactWriteItems} needs
 * {@code PutItem}, {@code UpdateItem}, {@code DeleteItem} or {@code ConditionCheckItem} for each of
 * its parts, {@code TransactGetItems} needs {@code GetItem}; the parts of a multipart upload need
 * {@code s3:PutObject}, a {@code HeadObject} needs {@code s3:GetObject}, a {@code CopyObject}
 * needs {@code s3:GetObject} on its source and {@code s3:PutObject} on its destination.
 */
public final class IamActions {
    /** An action and its resource. */
    public record Need(String action, AwsResource resource) {
    }

    private static final Map<String, String> S3_OBJECT_ACTIONS = Map.ofEntries(
            Map.entry("PutObject", "s3:PutObject"),
            Map.entry("CreateMultipartUpload", "s3:PutObject"),
            Map.entry("UploadPart", "s3:PutObject"),
            Map.entry("CompleteMultipartUpload", "s3:PutObject"),
            Map.entry("GetObject", "s3:GetObject"),
            Map.entry("HeadObject", "s3:GetObject"),
            Map.entry("AbortMultipartUpload", "s3:AbortMultipartUpload"),
            Map.entry("ListParts", "s3:ListMultipartUploadParts"),
            Map.entry("DeleteObject", "s3:DeleteObject"),
            Map.entry("GetObjectTagging", "s3:GetObjectTagging"),
            Map.entry("PutObjectTagging", "s3:PutObjectTagging"),
            Map.entry("GetObjectAcl", "s3:GetObjectAcl"),
            Map.entry("PutObjectAcl", "s3:PutObjectAcl"));
    private static final Map<String, String> S3_BUCKET_ACTIONS = Map.of(
            "ListObjectsV2", "s3:ListBucket",
            "ListObjects", "s3:ListBucket",
            "HeadBucket", "s3:ListBucket",
            "ListMultipartUploads", "s3:ListBucketMultipartUploads",
            "CreateBucket", "s3:CreateBucket",
            "DeleteBucket", "s3:DeleteBucket");

    private IamActions() {
    }

    /** {@code GetItemRequest} is {@code GetItem}. */
    public static String operation(SdkRequest request) {
        String name = request.getClass().getSimpleName();
        return name.endsWith("Request") ? name.substring(0, name.length() - "Request".length()) : name;
    }

    /**
     * @param taskTokenStateMachine the state machine whose task tokens {@code SendTask*} calls answer: a
     *                              token names none, and IAM checks these actions against the machine
     */
    public static List<Need> of(SdkRequest request, String taskTokenStateMachine) {
        if (request instanceof DynamoDbRequest dynamo) {
            return dynamoDb(dynamo);
        }
        if (request instanceof S3Request s3) {
            return s3(operation(s3), s3);
        }
        if (request instanceof SfnRequest sfn) {
            return stepFunctions(sfn, taskTokenStateMachine);
        }
        return List.of(new Need(request.getClass().getPackageName() + ":" + operation(request), AwsResource.any()));
    }

    /**
     * What a failed request showed that the caller may do beyond the request's own action: S3 answers
     * a read of a missing key 404 only to a caller that may list the bucket ({@code s3:ListBucket}),
     * and 403 to any other. Code that tells "missing" from "forbidden" by that 404 needs the listing.
     */
    public static List<Need> ofFailure(SdkRequest request, int httpStatus) {
        if (request instanceof S3Request s3 && httpStatus == 404) {
            String operation = operation(s3);
            if (operation.equals("GetObject") || operation.equals("HeadObject")) {
                return field(s3, "Bucket").map(bucket -> List.of(new Need("s3:ListBucket", AwsResource.bucket(bucket))))
                        .orElse(List.of());
            }
        }
        return List.of();
    }

    private static List<Need> dynamoDb(DynamoDbRequest request) {
        List<Need> needs = new ArrayList<>();
        if (request instanceof TransactWriteItemsRequest transaction) {
            for (TransactWriteItem item : transaction.transactItems()) {
                if (item.put() != null) {
                    needs.add(dynamo("PutItem", item.put().tableName()));
                }
                if (item.update() != null) {
                    needs.add(dynamo("UpdateItem", item.update().tableName()));
                }
                if (item.delete() != null) {
                    needs.add(dynamo("DeleteItem", item.delete().tableName()));
                }
                if (item.conditionCheck() != null) {
                    needs.add(dynamo("ConditionCheckItem", item.conditionCheck().tableName()));
                }
            }
        } else if (request instanceof TransactGetItemsRequest transaction) {
            for (TransactGetItem item : transaction.transactItems()) {
                needs.add(dynamo("GetItem", item.get().tableName()));
            }
        } else if (request instanceof BatchGetItemRequest batch) {
            batch.requestItems().keySet().forEach(table -> needs.add(dynamo("BatchGetItem", table)));
        } else if (request instanceof BatchWriteItemRequest batch) {
            batch.requestItems().keySet().forEach(table -> needs.add(dynamo("BatchWriteItem", table)));
        } else if (request instanceof QueryRequest query) {
            needs.add(new Need("dynamodb:Query", AwsResource.tableOrIndex(query.tableName(), query.indexName())));
        } else if (request instanceof ScanRequest scan) {
            needs.add(new Need("dynamodb:Scan", AwsResource.tableOrIndex(scan.tableName(), scan.indexName())));
        } else {
            String action = "dynamodb:" + operation(request);
            needs.add(new Need(action, field(request, "TableName").map(AwsResource::table).orElse(AwsResource.any())));
        }
        return needs;
    }

    private static Need dynamo(String operation, String table) {
        return new Need("dynamodb:" + operation, AwsResource.table(table));
    }

    /** Also used for presigned requests, which carry the signer's permissions. */
    static List<Need> s3(String operation, SdkRequest request) {
        if (request instanceof CopyObjectRequest copy) {
            // The destination is the request's Bucket and Key (destinationBucket/-Key are their aliases).
            String bucket = field(copy, "Bucket").orElse(copy.destinationBucket());
            String key = field(copy, "Key").orElse(copy.destinationKey());
            return List.of(new Need("s3:GetObject", copySource(copy)), new Need("s3:PutObject", AwsResource.object(bucket, key)));
        }
        if (request instanceof DeleteObjectsRequest delete) {
            return delete.delete().objects().stream().map(ObjectIdentifier::key)
                    .map(key -> new Need("s3:DeleteObject", AwsResource.object(delete.bucket(), key))).toList();
        }
        Optional<String> bucket = field(request, "Bucket");
        Optional<String> key = field(request, "Key");
        if (bucket.isEmpty()) {
            return List.of(new Need("s3:" + operation, AwsResource.any()));
        }
        if (S3_BUCKET_ACTIONS.containsKey(operation)) {
            return List.of(new Need(S3_BUCKET_ACTIONS.get(operation), AwsResource.bucket(bucket.get())));
        }
        String action = S3_OBJECT_ACTIONS.getOrDefault(operation, "s3:" + operation);
        return List.of(new Need(action, key.map(k -> AwsResource.object(bucket.get(), k)).orElse(AwsResource.bucket(bucket.get()))));
    }

    /** From sourceBucket and sourceKey, or from the URL-encoded {@code bucket/key[?versionId=...]} of copySource. */
    @SuppressWarnings("deprecation")
    private static AwsResource copySource(CopyObjectRequest copy) {
        if (copy.sourceBucket() != null && copy.sourceKey() != null) {
            return AwsResource.object(copy.sourceBucket(), copy.sourceKey());
        }
        String source = java.net.URLDecoder.decode(copy.copySource().replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        source = source.startsWith("/") ? source.substring(1) : source;
        int version = source.indexOf("?versionId=");
        source = version < 0 ? source : source.substring(0, version);
        int slash = source.indexOf('/');
        return AwsResource.object(source.substring(0, slash), source.substring(slash + 1));
    }

    private static List<Need> stepFunctions(SfnRequest request, String taskTokenStateMachine) {
        String operation = operation(request);
        String action = "states:" + operation;
        if (operation.startsWith("SendTask")) {
            return List.of(new Need(action, taskTokenStateMachine == null ? AwsResource.any()
                    : AwsResource.stateMachine(taskTokenStateMachine)));
        }
        Optional<String> execution = field(request, "executionArn");
        if (execution.isPresent()) {
            String[] parts = execution.get().split(":", -1);
            // arn:aws:states:<region>:<account>:execution:<machine>:<execution name>
            if (parts.length >= 8 && parts[5].equals("execution")) {
                return List.of(new Need(action, AwsResource.execution(parts[6], parts[7])));
            }
        }
        Optional<String> machine = field(request, "stateMachineArn");
        if (machine.isPresent()) {
            String arn = machine.get();
            int marker = arn.indexOf(":stateMachine:");
            if (marker >= 0) {
                return List.of(new Need(action, AwsResource.stateMachine(arn.substring(marker + ":stateMachine:".length()))));
            }
        }
        return List.of(new Need(action, AwsResource.any()));
    }

    private static Optional<String> field(SdkRequest request, String name) {
        return request.getValueForField(name, String.class).filter(value -> !value.isEmpty());
    }
}
