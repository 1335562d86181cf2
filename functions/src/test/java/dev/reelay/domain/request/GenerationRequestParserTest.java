package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.webhook.WebhookUrlRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every request rule of the public API (docs/api.md) that holds before images are fetched: one refusal and one acceptance each. */
class GenerationRequestParserTest {
    private static final GenerationRequestParser AWS = new GenerationRequestParser();
    private static final GenerationRequestParser LOCAL = new GenerationRequestParser(true, new WebhookUrlRules(true));

    private static Map<String, Object> valid() {
        Map<String, Object> body = new HashMap<>();
        body.put("model", "kling-v3-image-to-video");
        body.put("prompt", "waves");
        body.put("image_start", "https://example.com/first.jpg");
        return body;
    }

    private static Map<String, Object> with(String field, Object value) {
        Map<String, Object> body = valid();
        if (value == null) {
            body.remove(field);
        } else {
            body.put(field, value);
        }
        return body;
    }

    private static Map<String, Object> textToVideo(String field, Object value) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-text-to-video", "prompt", "a lighthouse at dusk"));
        if (value == null) {
            body.remove(field);
        } else {
            body.put(field, value);
        }
        return body;
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("text-to-video without a prompt", textToVideo("prompt", null), "prompt", "missing_prompt"),
                Arguments.of("text-to-video with a first frame", textToVideo("image_start", "https://example.com/a.jpg"), "image_start", "images_not_allowed"),
                Arguments.of("text-to-video with a last frame", textToVideo("image_end", "https://example.com/b.jpg"), "image_end", "images_not_allowed"),
                Arguments.of("unknown field", with("colour", "red"), "colour", "unknown_parameter"),
                Arguments.of("an external_task_id with spaces", with("external_task_id", "my job 1"), "external_task_id", "invalid_external_task_id"),
                Arguments.of("an external_task_id over 64 characters", with("external_task_id", "x".repeat(65)), "external_task_id", "invalid_external_task_id"),
                Arguments.of("plain HTTP webhook", with("callback_url", "http://hooks.example.com/done"), "callback_url", "invalid_callback_url"),
                Arguments.of("webhook over 2048 characters", with("callback_url", "https://hooks.example.com/" + "a".repeat(2040)), "callback_url", "invalid_callback_url"),
                Arguments.of("webhook to loopback", with("callback_url", "https://127.0.0.1/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to localhost", with("callback_url", "https://localhost:8443/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to a private range", with("callback_url", "https://10.1.2.3/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to 172.16/12", with("callback_url", "https://172.20.0.5/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to 192.168/16", with("callback_url", "https://192.168.1.10/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to the metadata address", with("callback_url", "https://169.254.169.254/latest"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to IPv6 loopback", with("callback_url", "https://[::1]/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to IPv6 unique-local", with("callback_url", "https://[fd12:3456::1]/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to IPv6 link-local", with("callback_url", "https://[fe80::1]/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook to IPv4-mapped loopback", with("callback_url", "https://[::ffff:127.0.0.1]/hook"), "callback_url", "internal_callback_url"),
                Arguments.of("webhook with credentials", with("callback_url", "https://user:pw@hooks.example.com/"), "callback_url", "invalid_callback_url"),
                Arguments.of("model missing", with("model", null), "model", "missing_parameter"),
                Arguments.of("model unknown", with("model", "kling-v2"), "model", "unsupported_model"),
                Arguments.of("model not text", with("model", 3), "model", "invalid_type"),
                Arguments.of("prompt of 2501 characters", with("prompt", "a".repeat(2501)), "prompt", "prompt_too_long"),
                Arguments.of("prompt not text", with("prompt", List.of("a")), "prompt", "invalid_type"),
                Arguments.of("negative prompt of 2501 characters", with("negative_prompt", "n".repeat(2501)), "negative_prompt", "negative_prompt_too_long"),
                Arguments.of("no first frame", with("image_start", null), "image_start", "missing_image_start"),
                Arguments.of("last frame without first", withEndOnly(), "image_end", "image_end_without_image_start"),
                Arguments.of("plain HTTP image", with("image_start", "http://example.com/a.jpg"), "image_start", "invalid_image_url"),
                Arguments.of("file: image outside local mode", with("image_start", "file:/tmp/a.jpg"), "image_start", "invalid_image_url"),
                Arguments.of("s3: image outside local mode", with("image_start", "s3://bucket/a.jpg"), "image_start", "invalid_image_url"),
                Arguments.of("plain HTTP last frame", with("image_end", "http://example.com/b.jpg"), "image_end", "invalid_image_url"),
                Arguments.of("image URL over 2048 characters", with("image_start", "https://example.com/" + "a".repeat(2040)), "image_start", "invalid_image_url"),
                Arguments.of("image at loopback", with("image_start", "https://127.0.0.1/a.jpg"), "image_start", "internal_image_url"),
                Arguments.of("image at localhost", with("image_start", "https://localhost:8443/a.jpg"), "image_start", "internal_image_url"),
                Arguments.of("image in a private range", with("image_start", "https://10.0.0.8/a.jpg"), "image_start", "internal_image_url"),
                Arguments.of("image at the metadata address", with("image_start", "https://169.254.169.254/latest/meta-data"), "image_start", "internal_image_url"),
                Arguments.of("image at IPv6 loopback", with("image_start", "https://[::1]/a.jpg"), "image_start", "internal_image_url"),
                Arguments.of("image at IPv4-mapped private", with("image_start", "https://[::ffff:192.168.0.1]/a.jpg"), "image_start", "internal_image_url"),
                Arguments.of("last frame at link-local", with("image_end", "https://[fe80::1]/b.jpg"), "image_end", "internal_image_url"),
                Arguments.of("image URL with credentials", with("image_start", "https://user:pw@example.com/a.jpg"), "image_start", "invalid_image_url"),
                Arguments.of("image URL without a host", with("image_start", "https:///a.jpg"), "image_start", "invalid_image_url"),
                Arguments.of("upload reference that no upload answered", with("image_start", "upload://cat.png"), "image_start", "invalid_image_url"),
                Arguments.of("upload reference with a path", with("image_start", "upload://../team-b/upl-1795402598-0aw02kf391o9x7c2m1qz"), "image_start", "invalid_image_url"),
                Arguments.of("upload reference with another key's folder", with("image_end", "upload://team-b/upl-1795402598-0aw02kf391o9x7c2m1qz"), "image_end", "invalid_image_url"),
                Arguments.of("upload reference in capitals", with("image_start", "UPLOAD://upl-1795402598-0aw02kf391o9x7c2m1qz"), "image_start", "invalid_image_url"),
                Arguments.of("duration as a string", with("duration", "5"), "duration", "invalid_duration"),
                Arguments.of("duration below 3", with("duration", 2), "duration", "invalid_duration"),
                Arguments.of("duration above 15", with("duration", 16), "duration", "invalid_duration"),
                Arguments.of("duration not whole", with("duration", new BigDecimal("5.5")), "duration", "invalid_duration"),
                Arguments.of("quality unknown", with("quality", "8k"), "quality", "invalid_quality"),
                Arguments.of("sound unknown", with("sound", "yes"), "sound", "invalid_sound"),
                Arguments.of("aspect ratio unknown", with("aspect_ratio", "4:3"), "aspect_ratio", "invalid_aspect_ratio"));
    }

    private static Map<String, Object> withEndOnly() {
        Map<String, Object> body = with("image_start", null);
        body.put("image_end", "https://example.com/last.jpg");
        return body;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesWithTheFieldAndAStableCode(String rule, Map<String, Object> body, String field, String code) {
        assertThatThrownBy(() -> AWS.parse(body))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(field);
                });
    }

    static Stream<Arguments> acceptances() {
        return Stream.of(
                Arguments.of("prompt of exactly 2500 characters", with("prompt", "a".repeat(2500))),
                Arguments.of("no prompt at all", with("prompt", null)),
                Arguments.of("negative prompt of 2500 characters", with("negative_prompt", "n".repeat(2500))),
                Arguments.of("first and last frame", with("image_end", "https://example.com/last.png")),
                Arguments.of("an upload reference as first frame", with("image_start", "upload://upl-1795402598-0aw02kf391o9x7c2m1qz")),
                Arguments.of("an upload reference as last frame", with("image_end", "upload://upl-1795402598-0aw02kf391o9x7c2m1qz")),
                Arguments.of("duration 3", with("duration", 3)),
                Arguments.of("duration 15", with("duration", 15)),
                Arguments.of("duration written 5.0", with("duration", new BigDecimal("5.0"))),
                Arguments.of("quality 1080p", with("quality", "1080p")),
                Arguments.of("quality 4k (priced later)", with("quality", "4k")),
                Arguments.of("sound on", with("sound", "on")),
                Arguments.of("aspect ratio 9:16", with("aspect_ratio", "9:16")),
                Arguments.of("text-to-video from a prompt alone", textToVideo("duration", 10)),
                Arguments.of("an external_task_id", with("external_task_id", "order-42:clip.1")),
                Arguments.of("a public HTTPS webhook", with("callback_url", "https://hooks.example.com/reelay?x=1")),
                Arguments.of("an image at a public IP", with("image_start", "https://93.184.215.14/a.jpg")),
                Arguments.of("a webhook to a public IP", with("callback_url", "https://93.184.215.14/hook")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptances")
    void accepts(String rule, Map<String, Object> body) {
        assertThat(AWS.parse(body).model()).isEqualTo(body.get("model"));
    }

    @Test
    void refusesABodyThatIsNotAnObject() {
        assertThatThrownBy(() -> AWS.parse(List.of(1, 2)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_body"));
    }

    @Test
    void appliesThePublicApisDefaults() {
        GenerationRequest request = AWS.parse(valid());
        assertThat(request.durationSeconds()).isEqualTo(5);
        assertThat(request.quality()).isEqualTo(Quality.P720);
        assertThat(request.sound()).isEqualTo(Sound.OFF);
        assertThat(request.aspectRatio()).isNull();
        assertThat(request.imageEnd()).isNull();
    }

    @Test
    void localModeMayAllowLocalWebhookReceiversButAwsNever() {
        assertThat(LOCAL.parse(with("callback_url", "http://127.0.0.1:9000/hook")).callbackUrl()).isEqualTo("http://127.0.0.1:9000/hook");
        assertThat(LOCAL.parse(with("callback_url", "http://localhost:9000/hook")).callbackUrl()).isNotNull();
        assertThatThrownBy(() -> LOCAL.parse(with("callback_url", "http://hooks.example.com/hook")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_callback_url"));
        assertThatThrownBy(() -> AWS.parse(with("callback_url", "http://127.0.0.1:9000/hook")))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void localModeAlsoTakesFilesAndLocalS3Objects() {
        assertThat(LOCAL.parse(with("image_start", "file:/tmp/first.jpg")).imageStart()).isEqualTo("file:/tmp/first.jpg");
        assertThat(LOCAL.parse(with("image_start", "s3://reelay-uploads/a.png")).imageStart()).isEqualTo("s3://reelay-uploads/a.png");
        assertThatThrownBy(() -> LOCAL.parse(with("image_start", "http://example.com/a.jpg")))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> LOCAL.parse(with("image_start", "https://127.0.0.1/a.jpg")))
                .as("local mode loosens the sources, not the address rules")
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("internal_image_url"));
    }

    @Test
    void inAwsOnlyTheUploadTriggersParserTakesS3ObjectsAndOnlyUnderTheUploadsPrefix() {
        GenerationRequestParser uploads = new GenerationRequestParser(false, WebhookUrlRules.STRICT, "s3://reelay-uploads/uploads/");
        assertThat(uploads.parse(with("image_start", "s3://reelay-uploads/uploads/team-a/cat.jpg")).imageStart())
                .isEqualTo("s3://reelay-uploads/uploads/team-a/cat.jpg");
        for (String elsewhere : List.of("s3://reelay-uploads/inputs/task-1/image_start.jpeg", "s3://other-bucket/uploads/team-a/cat.jpg",
                "s3://reelay-uploads/uploads/team-a/../../inputs/x.jpg", "s3://reelay-uploads/uploads/", "file:/etc/passwd")) {
            assertThatThrownBy(() -> uploads.parse(with("image_start", elsewhere))).as(elsewhere)
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_image_url"));
        }
        // HTTP callers in AWS: never an S3 object, not even one of the uploads prefix.
        assertThatThrownBy(() -> AWS.parse(with("image_start", "s3://reelay-uploads/uploads/team-a/cat.jpg")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_image_url"));
    }
}
