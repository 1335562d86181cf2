package dev.reelay.domain.upload;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.request.UploadReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The body of {@code POST /v1/uploads}, the upload's id, reference, object key and expiry. */
class DirectUploadTest {
    private static final Instant NOW = Instant.parse("2026-12-02T15:00:00.250Z");
    private static final String RANDOM = "0aw02kf391o9x7c2m1qz";

    @Test
    void anUploadIsValidForAnHourAndLivesInItsOwnersFolderOutsideTheUploadTrigger() {
        DirectUpload upload = DirectUpload.of(Map.of("content_type", "image/png", "size", 123456), NOW, RANDOM);

        assertThat(upload.expiresAt()).isEqualTo(Instant.parse("2026-12-02T16:00:01Z"));
        assertThat(upload.id()).isEqualTo("upl-" + upload.expiresAt().getEpochSecond() + "-" + RANDOM);
        assertThat(upload.reference()).isEqualTo("upload://" + upload.id());
        assertThat(upload.objectKey("team-a")).isEqualTo("direct-uploads/team-a/" + upload.id()).doesNotStartWith(UploadKey.PREFIX);
        assertThat(upload.contentType()).isEqualTo("image/png");
        assertThat(upload.size()).isEqualTo(123456);
        assertThat(UploadReference.id("image_start", upload.reference())).isEqualTo(upload.id());
        assertThat(UploadReference.expiresAt(upload.id())).isEqualTo(upload.expiresAt());
    }

    @Test
    void theContentTypeIsReadWithoutCaseAndTheLargestImageFits() {
        DirectUpload upload = DirectUpload.of(Map.of("content_type", "Image/JPEG", "size", ImageRules.MAX_BYTES), NOW, RANDOM);
        assertThat(upload.contentType()).isEqualTo("image/jpeg");
        assertThat(DirectUpload.of(Map.of("content_type", "image/png", "size", 2048.0), NOW, RANDOM).size()).isEqualTo(2048);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(List.of("not", "an", "object"), null, "invalid_body"),
                Arguments.of(body("content_type", null), "content_type", "missing_parameter"),
                Arguments.of(body("content_type", 7), "content_type", "invalid_type"),
                Arguments.of(body("content_type", "image/gif"), "content_type", "unsupported_image_format"),
                Arguments.of(body("content_type", "image/webp"), "content_type", "unsupported_image_format"),
                Arguments.of(body("content_type", "text/plain"), "content_type", "unsupported_image_format"),
                Arguments.of(body("size", null), "size", "missing_parameter"),
                Arguments.of(body("size", 0), "size", "invalid_size"),
                Arguments.of(body("size", -5), "size", "invalid_size"),
                Arguments.of(body("size", 10.5), "size", "invalid_size"),
                Arguments.of(body("size", "123"), "size", "invalid_size"),
                Arguments.of(body("size", ImageRules.MAX_BYTES + 1), "size", "image_too_large"),
                Arguments.of(body("size", new BigDecimal("1e30")), "size", "image_too_large"),
                Arguments.of(body("filename", "cat.png"), "filename", "unknown_parameter"));
    }

    @ParameterizedTest(name = "{2} on {1}")
    @MethodSource("refusals")
    void aBadBodyIsRefusedWithAStableCodeNamingTheField(Object body, String field, String code) {
        assertThatThrownBy(() -> DirectUpload.of(body, NOW, RANDOM)).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.field()).isEqualTo(field);
        });
    }

    private static Map<String, Object> body(String name, Object value) {
        Map<String, Object> body = new HashMap<>(Map.of("content_type", "image/png", "size", 123456));
        body.put(name, value);
        if (value == null) {
            body.remove(name);
        }
        return body;
    }
}
