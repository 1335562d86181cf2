package dev.reelay.adapter.image;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.testing.InMemoryArchive;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Image URLs are checked on the address their host resolves to, not only as written: a public
 * name that resolves to a private, loopback or metadata address is refused before any connection.
 */
class FetchingImageSourceTest {
    private final List<String> resolved = new ArrayList<>();

    private FetchingImageSource resolvingTo(Map<String, String> dns) {
        return new FetchingImageSource(new HttpTransport(UrlConnectionHttpClient.create()), new InMemoryArchive().buckets(), false, host -> {
            resolved.add(host);
            String address = dns.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[]{InetAddress.getByName(address)};
        });
    }

    @Test
    void aPublicNameResolvingToAnInternalAddressIsRefusedBeforeConnecting() {
        FetchingImageSource images = resolvingTo(Map.of("images.example.com", "10.0.0.5", "meta.example.com", "169.254.169.254",
                "six.example.com", "fd00::1"));
        for (String host : List.of("images.example.com", "meta.example.com", "six.example.com")) {
            assertThatThrownBy(() -> images.fetch("image_start", "https://" + host + "/a.jpg", 1024))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.code()).isEqualTo("internal_image_url");
                        assertThat(e.field()).isEqualTo("image_start");
                    });
        }
        assertThat(resolved).containsExactly("images.example.com", "meta.example.com", "six.example.com");
    }

    @Test
    void anUnknownHostIsUnreachable() {
        assertThatThrownBy(() -> resolvingTo(Map.of()).fetch("image_end", "https://nowhere.example.com/b.jpg", 1024))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("image_unreachable");
                    assertThat(e.field()).isEqualTo("image_end");
                });
    }

    @Test
    void subjectPicturesAreCheckedOnTheirResolvedAddressToo() {
        FetchingImageSource images = resolvingTo(Map.of("cdn.example.com", "93.184.215.14", "intranet.example.com", "192.168.1.20"));
        images.checkPublicAddress("model_params.subjects.element_input_urls", "https://cdn.example.com/dog.jpg");
        assertThatThrownBy(() -> images.checkPublicAddress("model_params.subjects.element_input_urls", "https://intranet.example.com/dog.jpg"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("internal_image_url"));
        assertThat(resolved).containsExactly("cdn.example.com", "intranet.example.com");
    }

    @Test
    void localSourcesAreRefusedOutsideLocalMode() {
        assertThatThrownBy(() -> resolvingTo(Map.of()).fetch("image_start", "file:/etc/passwd", 1024))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_image_url"));
        assertThatThrownBy(() -> resolvingTo(Map.of()).fetch("image_start", "s3://any-bucket/key.jpg", 1024))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_image_url"));
    }
}
