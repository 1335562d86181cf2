package dev.reelay.adapter.provider;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.port.ProviderClient.VideoDownload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;

/** Opening a vendor's finished video, the same for every vendor. */
public final class VideoDownloads {
    private VideoDownloads() {
    }

    /**
     * A GET of the video link, redirects followed, with no Authorization header: the link points at
     * the vendor's storage, which may be a third party. A non-2xx answer is classified like any other.
     */
    public static VideoDownload open(HttpTransport http, String provider, URI videoUrl) {
        try {
            HttpTransport.Streamed streamed = http.get(videoUrl, Map.of());
            if (streamed.status() / 100 != 2) {
                try (InputStream ignored = streamed.body()) {
                    throw ProviderErrors.fromHttp(provider, streamed.status(), null, "video download failed");
                }
            }
            return new VideoDownload(streamed.body(), streamed.contentLength());
        } catch (IOException e) {
            throw ProviderErrors.unreachable(provider, e);
        }
    }
}
