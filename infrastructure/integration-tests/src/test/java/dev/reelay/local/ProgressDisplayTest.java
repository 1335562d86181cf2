package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code generate}'s progress display and summaries, without a stack or a terminal: what each mode writes to stderr. */
class ProgressDisplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TASK = "task-1796233626-92w4udk4mo1p";

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final PrintStream stderr = new PrintStream(written, true, StandardCharsets.UTF_8);

    private String written() {
        return written.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode task(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static JsonNode queued(int position) throws Exception {
        return task("{\"status\":\"pending\",\"progress\":0,\"task_info\":{\"queue_position\":" + position + "}}");
    }

    private static JsonNode rendering(int percent) throws Exception {
        return task("{\"status\":\"processing\",\"progress\":" + percent + ",\"task_info\":{\"provider\":\"kling\"}}");
    }

    @Test
    void describesTheStatusQueuePositionVendorAndProgress() throws Exception {
        ProgressDisplay display = new ProgressDisplay.Plain(stderr, true);
        assertThat(display.describe(task("{\"status\":\"pending\",\"progress\":0,\"task_info\":{}}"))).isEqualTo("pending");
        assertThat(display.describe(queued(3))).isEqualTo("pending · queued #3");
        assertThat(display.describe(rendering(0))).isEqualTo("processing · kling 0%");
        assertThat(display.describe(rendering(62))).isEqualTo("processing · kling 62%");
        assertThat(new ProgressDisplay.Plain(stderr, false).describe(rendering(62))).isEqualTo("processing - kling 62%");
    }

    @Test
    void describesABatchByItsCountsLeavingOutThoseThatAreZero() throws Exception {
        ProgressDisplay display = new ProgressDisplay.Plain(stderr, true);
        assertThat(display.describeBatch(task("{\"status\":\"in_progress\",\"cost_usd\":0.9,\"request_counts\":{\"total\":50,"
                + "\"pending\":0,\"processing\":35,\"completed\":12,\"failed\":0,\"cancelled\":0,\"refused\":3}}")))
                .isEqualTo("in_progress · 12/50 completed · 35 processing · 3 refused · 0.9 USD");
        display.showText("batch-1", "batch-1 validating · 0/2 completed", Duration.ofMillis(400));
        display.showText("batch-1", "batch-1 validating · 0/2 completed", Duration.ofMillis(900));
        display.showText("batch-1", "batch-1 in_progress · 1/2 completed", Duration.ofMillis(1400));
        assertThat(written()).isEqualTo("[  0.4s] batch-1 validating · 0/2 completed\n[  1.4s] batch-1 in_progress · 1/2 completed\n");
    }

    @Test
    void plainPrintsALineOnlyWhenTheTaskChanges() throws Exception {
        ProgressDisplay display = new ProgressDisplay.Plain(stderr, true);
        display.say(TASK, "Task " + TASK + " accepted; generating ...");
        display.show(TASK, queued(2), Duration.ofMillis(400));
        display.show(TASK, queued(2), Duration.ofMillis(900));
        display.show(TASK, queued(1), Duration.ofMillis(1400));
        display.show(TASK, rendering(0), Duration.ofMillis(2100));
        display.show(TASK, rendering(0), Duration.ofMillis(2600));
        display.show(TASK, rendering(83), Duration.ofMillis(5000));
        display.close();

        assertThat(written()).isEqualTo("""
                Task task-1796233626-92w4udk4mo1p accepted; generating ...
                [  0.4s] pending · queued #2
                [  1.4s] pending · queued #1
                [  2.1s] processing · kling 0%
                [  5.0s] processing · kling 83%
                """).doesNotContain("\r");
    }

    @Test
    void liveRewritesOneLineWithTheElapsedTimeEvenWhenNothingElseChanges() throws Exception {
        ProgressDisplay display = new ProgressDisplay.Live(stderr, true);
        assertThat(display.refresh()).isLessThanOrEqualTo(Duration.ofMillis(500));
        display.show(TASK, queued(3), Duration.ofMillis(2200));
        display.show(TASK, rendering(62), Duration.ofMillis(7300));
        display.show(TASK, rendering(62), Duration.ofMillis(8100));

        String clear = ProgressDisplay.Live.CLEAR_LINE;
        assertThat(written()).isEqualTo(clear + "⠋ pending · queued #3 · 00:02" + clear + "⠙ processing · kling 62% · 00:07"
                + clear + "⠹ processing · kling 62% · 00:08").doesNotContain("\n");

        display.say(TASK, "Done in 8.1 s: /tmp/v.mp4 (5 s video, 1.23 MB, 0.375 USD)");
        assertThat(written()).endsWith(clear + "Done in 8.1 s: /tmp/v.mp4 (5 s video, 1.23 MB, 0.375 USD)" + System.lineSeparator());
        int before = written().length();
        display.close();
        assertThat(written()).as("no live line left to clear").hasSize(before);
    }

    @Test
    void aVendorsRefusalIsToldOnceAsALineOfItsOwn() throws Exception {
        JsonNode refusedOnce = task("""
                {"status":"pending","progress":0,"task_info":{"queue_position":1},"timeline":[{"event":"accepted"},
                 {"event":"provider_refused","detail":"unified: unified could not be reached; back in the queue"}]}""");
        JsonNode refusedTwice = task("""
                {"status":"pending","progress":0,"task_info":{},"timeline":[{"event":"accepted"},
                 {"event":"provider_refused","detail":"unified: unified could not be reached; back in the queue"},
                 {"event":"provider_refused","detail":"kling: kling answered 503; back in the queue"}]}""");
        ProgressDisplay plain = new ProgressDisplay.Plain(stderr, true);
        plain.show(TASK, refusedOnce, Duration.ofMillis(1000));
        plain.show(TASK, refusedOnce, Duration.ofMillis(1500));
        plain.show(TASK, refusedTwice, Duration.ofMillis(2000));
        assertThat(written()).isEqualTo("""
                A vendor refused the job: unified: unified could not be reached; back in the queue
                [  1.0s] pending · queued #1
                A vendor refused the job: kling: kling answered 503; back in the queue
                [  2.0s] pending
                """);

        written.reset();
        ProgressDisplay live = new ProgressDisplay.Live(stderr, true);
        live.show(TASK, rendering(10), Duration.ofSeconds(1));
        live.show(TASK, refusedOnce, Duration.ofSeconds(2));
        String clear = ProgressDisplay.Live.CLEAR_LINE;
        assertThat(written()).isEqualTo(clear + "⠋ processing · kling 10% · 00:01" + clear
                + "A vendor refused the job: unified: unified could not be reached; back in the queue" + System.lineSeparator()
                + clear + "⠙ pending · queued #1 · 00:02");
    }

    @Test
    void liveClearsItsLineWhenClosedSoThatAnErrorStartsOnACleanLine() throws Exception {
        ProgressDisplay display = new ProgressDisplay.Live(stderr, false);
        display.show(TASK, rendering(10), Duration.ofSeconds(65));
        display.close();
        assertThat(written()).isEqualTo(ProgressDisplay.Live.CLEAR_LINE + "- processing - kling 10% - 01:05" + ProgressDisplay.Live.CLEAR_LINE);
    }

    @Test
    void theModeIsChosenByTheOptionTheLogFormatAndVerbose() {
        assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.LIVE, stderr, false, false)).isInstanceOf(ProgressDisplay.Live.class);
        assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.PLAIN, stderr, false, false)).isExactlyInstanceOf(ProgressDisplay.Plain.class);
        // Log lines on stderr would be written over by a live line.
        assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.AUTO, stderr, false, true)).isExactlyInstanceOf(ProgressDisplay.Plain.class);
        // JSON logs: every line about the task is a JSON log line, whatever was asked.
        assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.LIVE, stderr, true, false)).isInstanceOf(ProgressDisplay.Logged.class);
        String told = System.getProperty(ProgressDisplay.STDERR_IS_TERMINAL);
        try {
            System.setProperty(ProgressDisplay.STDERR_IS_TERMINAL, "true");
            assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.AUTO, stderr, false, false)).isInstanceOf(ProgressDisplay.Live.class);
            System.setProperty(ProgressDisplay.STDERR_IS_TERMINAL, "false");
            assertThat(ProgressDisplay.choose(ProgressDisplay.Mode.AUTO, stderr, false, false)).isExactlyInstanceOf(ProgressDisplay.Plain.class);
        } finally {
            if (told == null) {
                System.clearProperty(ProgressDisplay.STDERR_IS_TERMINAL);
            } else {
                System.setProperty(ProgressDisplay.STDERR_IS_TERMINAL, told);
            }
        }
    }

    @Test
    void theSummaryOfACompletedTaskTellsTheFileTheVideosLengthItsSizeTheCostAndTheTimeTaken() throws Exception {
        JsonNode completed = task("""
                {"id":"%s","status":"completed","progress":100,"task_info":{"duration":5,"provider":"kling"},
                 "usage":{"cost_usd":0.375},"result":{"duration_seconds":5.0}}""".formatted(TASK));
        assertThat(ProgressDisplay.completed(completed, Path.of("/work/videos/" + TASK + ".mp4"), 1_227_310, Duration.ofMillis(14_240)))
                .isEqualTo("Done in 14.2 s: /work/videos/" + TASK + ".mp4 (5 s video, 1.23 MB, 0.375 USD)");
        JsonNode withoutResultLength = task("{\"id\":\"t\",\"task_info\":{\"duration\":8},\"usage\":{\"cost_usd\":0.6}}");
        assertThat(ProgressDisplay.completed(withoutResultLength, Path.of("/v/t.mp4"), 845_200, Duration.ofSeconds(3)))
                .isEqualTo("Done in 3.0 s: /v/t.mp4 (8 s video, 845 kB, 0.6 USD)");
    }

    @Test
    void theSummaryOfAFailedTaskTellsItsStatusCodeMessageTimeAndTheLocalStacksLog() throws Exception {
        JsonNode failed = task("""
                {"id":"%s","status":"failed","error":{"code":"provider_error","message":"The vendor could not render the video."}}"""
                .formatted(TASK));
        assertThat(ProgressDisplay.ended(failed, Duration.ofMillis(9_810), Path.of(".reelay/logs/generate-20261202-174649-1.log")))
                .isEqualTo("Task " + TASK + " failed after 9.8 s (provider_error): The vendor could not render the video."
                        + " The local stack's log: .reelay/logs/generate-20261202-174649-1.log");
        JsonNode cancelled = task("{\"id\":\"t\",\"status\":\"cancelled\"}");
        assertThat(ProgressDisplay.ended(cancelled, Duration.ofSeconds(2), null)).isEqualTo("Task t cancelled after 2.0 s: no reason given");
    }

    @Test
    void sizesAndClocksReadAsPeopleWriteThem() {
        assertThat(ProgressDisplay.size(999)).isEqualTo("999 bytes");
        assertThat(ProgressDisplay.size(12_345)).isEqualTo("12 kB");
        assertThat(ProgressDisplay.size(1_000_000)).isEqualTo("1.00 MB");
        assertThat(ProgressDisplay.clock(Duration.ofMillis(7_900))).isEqualTo("00:07");
        assertThat(ProgressDisplay.clock(Duration.ofSeconds(754))).isEqualTo("12:34");
        assertThat(ProgressDisplay.clock(Duration.ofSeconds(3_725))).isEqualTo("1:02:05");
    }
}
