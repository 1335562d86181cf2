package dev.reelay.adapter.provider.kling;

import dev.reelay.testing.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.Submission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each curl example of Kling's documentation (docs/vendors.md), expressed as a {@link ProviderJob}, must come out as the documented
 * body on the documented path. The documented bodies (in {@code golden/kling/}) differ from what Reelay
 * sends in ways normalised here, each for a stated reason:
 * <ul>
 * <li>{@code model_name}: two examples show {@code kling-v2-6}; Reelay only serves {@code kling-v3}.</li>
 * <li>Empty strings ({@code "prompt":""}, {@code "negative_prompt":""}, {@code "callback_url":""}): the
 *     examples spell out unset fields; Reelay omits absent fields, which Kling reads the same way.</li>
 * <li>{@code external_task_id}: the examples leave it empty; Reelay always sends its own task id, so a
 *     retried submission can find the task.</li>
 * <li>Image placeholders ({@code "xxx"}, {@code "Replace the URL of image"}) stand for an image; the job
 *     uses a real https URL, which goes as it is.</li>
 * <li>{@code "multi_shot":"true"} in the image2video multi-shot example: the field is documented as a
 *     boolean and the text2video example sends {@code true}; Reelay sends the boolean.</li>
 * <li>The voice example posts to {@code .../image2video/} with a trailing slash; the documented route
 *     (and Reelay's) has none.</li>
 * </ul>
 * The element example is left out: it posts to {@code /v1/images/generations} (image generation, with
 * {@code resolution} and {@code n}), not to a video route.
 */
class KlingGoldenRequestTest {
    private static final String ACCESS_KEY = "ak-golden";
    private static final String SECRET_KEY = "sk-golden";
    private static final String TASK_ID = "0f8e2b6c-reelay-task";
    private static final String PLACEHOLDER_IMAGE = "https://cdn.reelay.test/inputs/first-frame.png";
    private static final List<String> SHOTS = List.of(
            "Two friends talking under a streetlight at night.  Warm glow, casual poses, no dialogue.",
            "A runner sprinting through a forest, leaves flying.  Low-angle shot, focus on movement.",
            "A woman hugging a cat, smiling.  Soft sunlight, cozy home setting, emphasize warmth.",
            "A door creaking open, shadowy hallway.  Dark tones, minimal details, eerie mood.",
            "A man slipping on a banana peel, shocked expression.  Exaggerated pose, bright colors.",
            "A sunset over mountains, small figure walking away.  Wide angle, peaceful atmosphere.");
    private static final int[] SHOT_SECONDS = {2, 3, 3, 3, 3, 1};

    private KlingStub kling;
    private KlingProviderClient client;

    @BeforeEach
    void start() throws IOException {
        kling = new KlingStub();
        client = new KlingProviderClient(new HttpTransport(UrlConnectionHttpClient.create()), kling.base(),
                () -> KlingCredentials.accessKeys(ACCESS_KEY, SECRET_KEY), KlingStub.JSON,
                new MutableClock(Instant.parse("2026-03-01T10:00:00Z")));
    }

    @AfterEach
    void stop() {
        kling.close();
    }

    @Test
    void imageToVideoWithFirstAndLastFrame() throws Exception {
        ObjectNode expected = golden("image2video-first-last-frame.json");
        ProviderJob job = job("kling-v3-image-to-video", "Camera zooms out, the girl smiles",
                https("https://p2-kling.klingai.com/kcdn/cdn-kcdn112452/kling-qa-test/multi-2.png"),
                https("https://p2-kling.klingai.com/kcdn/cdn-kcdn112452/kling-qa-test/multi-1.png"),
                5, "off", null, Map.of());

        assertSentAsDocumented(job, "/v1/videos/image2video", expected, "image2video/860001");
    }

    @Test
    void imageToVideoWithSixCustomizedShots() throws Exception {
        ObjectNode expected = golden("image2video-multi-shot.json");
        expected.put("image", PLACEHOLDER_IMAGE);
        expected.put("multi_shot", true);
        ProviderJob job = job("kling-v3-image-to-video", null, https(PLACEHOLDER_IMAGE), null, 15, "on", null,
                Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", shots()));

        assertSentAsDocumented(job, "/v1/videos/image2video", expected, "image2video/860001");
    }

    @Test
    void textToVideoWithSixCustomizedShots() throws Exception {
        ObjectNode expected = golden("text2video-multi-shot.json");
        ProviderJob job = job("kling-v3-text-to-video", null, null, null, 15, "on", "9:16",
                Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", shots()));

        assertSentAsDocumented(job, "/v1/videos/text2video", expected, "text2video/860001");
    }

    @Test
    void imageToVideoWithAVoice() throws Exception {
        ObjectNode expected = golden("image2video-voice-control.json");
        expected.put("image", PLACEHOLDER_IMAGE);
        ProviderJob job = job("kling-v3-image-to-video",
                "<<<voice_1>>>Ask the people in the picture to say the following words, 'Welcome everyone'",
                https(PLACEHOLDER_IMAGE), null, 5, "on", null,
                Map.of("voice_list", List.of(Map.of("voice_id", "Replace the ID of voice"))));

        assertSentAsDocumented(job, "/v1/videos/image2video", expected, "image2video/860001");
    }

    private void assertSentAsDocumented(ProviderJob job, String path, ObjectNode documentedBody, String expectedTaskId)
            throws Exception {
        kling.accepted("860001");

        Submission submission = client.submit(job);

        KlingStub.Request sent = kling.last();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo(path);
        assertThat(sent.contentType()).startsWith("application/json");
        assertThat(sent.json()).isEqualTo(normalised(documentedBody));
        assertThat(Jwt.verifiedClaims(sent.bearer(), SECRET_KEY).path("iss").asText()).isEqualTo(ACCESS_KEY);
        assertThat(submission).isEqualTo(new Submission(expectedTaskId, 0));
    }

    /** The normalisations every example needs; see the class comment. */
    private static JsonNode normalised(ObjectNode documentedBody) {
        documentedBody.put("model_name", "kling-v3");
        List<String> empty = new ArrayList<>();
        documentedBody.fields().forEachRemaining(field -> {
            if (field.getValue().isTextual() && field.getValue().asText().isEmpty()) {
                empty.add(field.getKey());
            }
        });
        documentedBody.remove(empty);
        documentedBody.put("external_task_id", TASK_ID);
        return documentedBody;
    }

    private static ObjectNode golden(String name) throws IOException {
        try (InputStream in = KlingGoldenRequestTest.class.getResourceAsStream("/golden/kling/" + name)) {
            assertThat(in).as(name).isNotNull();
            return (ObjectNode) KlingStub.JSON.readTree(in);
        }
    }

    /** As a caller would give them: index and duration as numbers. */
    private static List<Map<String, Object>> shots() {
        List<Map<String, Object>> shots = new ArrayList<>();
        for (int i = 0; i < SHOTS.size(); i++) {
            shots.add(Map.of("index", i + 1, "prompt", SHOTS.get(i), "duration", SHOT_SECONDS[i]));
        }
        return shots;
    }

    private static ProviderImage https(String url) {
        return new ProviderImage(URI.create(url), () -> {
            throw new AssertionError("an https image must not be read");
        });
    }

    private static ProviderJob job(String model, String prompt, ProviderImage first, ProviderImage last, int seconds,
                                   String sound, String aspectRatio, Map<String, Object> params) {
        return new ProviderJob(TASK_ID, model, prompt, null, first, last, seconds, "1080p", sound, aspectRatio, null, params);
    }
}
