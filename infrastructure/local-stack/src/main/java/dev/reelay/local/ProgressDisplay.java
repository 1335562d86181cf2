package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.application.TaskLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How {@code generate} shows a task to the person running it, on stderr: {@link Live} rewrites one line
 * (for a terminal), {@link Plain} prints a line when the task changes (for a file or a pipe), {@link Logged}
 * sends those lines through the log (with JSON logs, so that every line about the task is JSON with its id).
 * {@link #show} is called on every poll; {@link #say} prints a line of its own (accepted, the summary).
 * The texts are {@link #describe}, {@link #completed} and {@link #ended}, pure functions of the task.
 */
abstract class ProgressDisplay implements AutoCloseable {
    /** {@code --progress}: {@code auto} is {@code live} when stderr is a terminal, {@code plain} otherwise. */
    enum Mode { AUTO, LIVE, PLAIN }

    /** Set by {@code ./reelay}, which can tell whether stderr is a terminal ({@code [ -t 2 ]}); Java alone cannot. */
    static final String STDERR_IS_TERMINAL = "reelay.stderr.terminal";

    /** The display {@code mode} asks for; JSON logs are always {@link Logged}, and {@code auto} is plain with {@code --verbose}. */
    static ProgressDisplay choose(Mode mode, PrintStream stderr, boolean jsonLogs, boolean verbose) {
        if (jsonLogs) {
            return new Logged(stderrIsUnicode());
        }
        boolean live = switch (mode) {
            case LIVE -> true;
            case PLAIN -> false;
            // Log lines on the terminal would be written over by a live line.
            case AUTO -> !verbose && stderrIsTerminal();
        };
        return live ? new Live(stderr, stderrIsUnicode()) : new Plain(stderr, stderrIsUnicode());
    }

    static boolean stderrIsTerminal() {
        String told = System.getProperty(STDERR_IS_TERMINAL);
        return told != null ? Boolean.parseBoolean(told) : System.console() != null;
    }

    /** Whether stderr writes UTF-8: if not, the spinner and separators are ASCII. */
    static boolean stderrIsUnicode() {
        String encoding = System.getProperty("stderr.encoding", System.getProperty("sun.stderr.encoding", Charset.defaultCharset().name()));
        return encoding.toUpperCase(Locale.ROOT).replace("-", "").equals("UTF8");
    }

    final String separator;
    private int refusalsTold;

    ProgressDisplay(boolean unicode) {
        this.separator = unicode ? " · " : " - ";
    }

    /** How often {@link #show} should be called for the display to look alive. */
    abstract Duration refresh();

    /**
     * The task as last polled, {@code elapsed} since it was submitted. A vendor's refusal (its timeline's
     * {@code provider_refused}, after which the task waits in the queue again) is told once, as a line of
     * its own: otherwise the task would only seem to go back and forth between pending and queued.
     */
    final void show(String taskId, JsonNode task, Duration elapsed) {
        int refusals = 0;
        for (JsonNode event : task.path("timeline")) {
            if (event.path("event").asText().equals("provider_refused") && ++refusals > refusalsTold) {
                say(taskId, "A vendor refused the job: " + event.path("detail").asText("no reason given"));
                refusalsTold = refusals;
            }
        }
        render(taskId, describe(task), elapsed);
    }

    /**
     * Anything else followed the same way, by a text of its own that tells what changed (a batch's counts,
     * {@link #describeBatch}): rewritten in place, or a line when it changes.
     */
    final void showText(String id, String text, Duration elapsed) {
        render(id, text, elapsed);
    }

    /** Shows {@code text}, what is followed now. */
    abstract void render(String id, String text, Duration elapsed);

    /** A line of its own about the task. */
    abstract void say(String taskId, String line);

    /** Clears a live line, so that what follows starts on a clean line. */
    @Override
    public void close() {
    }

    /** What changed is what counts: {@code processing · kling 62%}, {@code pending · queued #3}. */
    String describe(JsonNode task) {
        StringBuilder text = new StringBuilder(task.path("status").asText("unknown"));
        JsonNode info = task.path("task_info");
        if (info.hasNonNull("queue_position")) {
            text.append(separator).append("queued #").append(info.path("queue_position").asInt());
        }
        int percent = task.path("progress").asInt();
        if (info.hasNonNull("provider")) {
            text.append(separator).append(info.path("provider").asText()).append(' ').append(percent).append('%');
        } else if (percent > 0) {
            text.append(separator).append(percent).append('%');
        }
        return text.toString();
    }

    /**
     * A batch by its counts: {@code in_progress · 12/50 completed · 3 processing · 3 refused · 1 failed · 0.90 USD};
     * the counts that are 0 (but completed) are left out.
     */
    String describeBatch(JsonNode batch) {
        JsonNode counts = batch.path("request_counts");
        StringBuilder text = new StringBuilder(batch.path("status").asText("unknown")).append(separator)
                .append(counts.path("completed").asInt()).append('/').append(counts.path("total").asInt()).append(" completed");
        for (String count : new String[]{"processing", "pending", "refused", "failed", "cancelled"}) {
            int n = counts.path(count).asInt();
            if (n > 0) {
                text.append(separator).append(n).append(' ').append(count);
            }
        }
        return text.append(separator).append(batch.path("cost_usd").asText("0")).append(" USD").toString();
    }

    /** {@code Done in 14.2 s: /abs/task-....mp4 (5 s video, 1.23 MB, 0.375 USD)} */
    static String completed(JsonNode task, Path video, long bytes, Duration elapsed) {
        JsonNode seconds = task.path("result").path("duration_seconds");
        String length = seconds.isNumber() ? number(seconds.asDouble()) : task.path("task_info").path("duration").asText("?");
        return "Done in " + seconds(elapsed) + ": " + video + " (" + length + " s video, " + size(bytes) + ", "
                + task.path("usage").path("cost_usd").asText("?") + " USD)";
    }

    /**
     * {@code Task task-... failed after 9.8 s (provider_error): the vendor refused. Its log: ...}; the
     * log only when there is one of the local stack.
     */
    static String ended(JsonNode task, Duration elapsed, Path log) {
        JsonNode error = task.path("error");
        StringBuilder text = new StringBuilder("Task ").append(task.path("id").asText()).append(' ')
                .append(task.path("status").asText()).append(" after ").append(seconds(elapsed));
        if (error.hasNonNull("code")) {
            text.append(" (").append(error.path("code").asText()).append(')');
        }
        String message = error.path("message").asText("no reason given");
        text.append(": ").append(message);
        if (log != null) {
            text.append(message.endsWith(".") ? " " : ". ").append("The local stack's log: ").append(log);
        }
        return text.toString();
    }

    static String seconds(Duration elapsed) {
        return String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
    }

    /** {@code 00:07}, {@code 12:34}; hours only when there are some. */
    static String clock(Duration elapsed) {
        long seconds = elapsed.toSeconds();
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds % 3600 / 60, seconds % 60)
                : String.format(Locale.ROOT, "%02d:%02d", seconds / 60, seconds % 60);
    }

    /** Decimal units, as file managers show them: {@code 1.23 MB}, {@code 845 kB}. */
    static String size(long bytes) {
        if (bytes >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
        }
        return bytes >= 1000 ? String.format(Locale.ROOT, "%d kB", Math.round(bytes / 1e3)) : bytes + " bytes";
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** One line rewritten in place: {@code ⠋ processing · kling 62% · 00:07}, the elapsed time ticking. */
    static final class Live extends ProgressDisplay {
        /** Carriage return, then erase to the end of the line (ANSI EL). */
        static final String CLEAR_LINE = "\r\u001b[K";
        private static final String[] UNICODE_SPINNER = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
        private static final String[] ASCII_SPINNER = {"-", "\\", "|", "/"};
        private final PrintStream stderr;
        private final String[] spinner;
        private int frame;
        private boolean lineShown;

        Live(PrintStream stderr, boolean unicode) {
            super(unicode);
            this.stderr = stderr;
            this.spinner = unicode ? UNICODE_SPINNER : ASCII_SPINNER;
        }

        @Override
        Duration refresh() {
            return Duration.ofMillis(250);
        }

        @Override
        void render(String id, String text, Duration elapsed) {
            stderr.print(CLEAR_LINE + spinner[frame++ % spinner.length] + " " + text + separator + clock(elapsed));
            stderr.flush();
            lineShown = true;
        }

        @Override
        void say(String taskId, String line) {
            close();
            stderr.println(line);
        }

        @Override
        public void close() {
            if (lineShown) {
                stderr.print(CLEAR_LINE);
                stderr.flush();
                lineShown = false;
            }
        }
    }

    /** A line when the task changes: {@code [  5.0s] processing · kling 83%}. */
    static class Plain extends ProgressDisplay {
        private final PrintStream stderr;
        private String lastShown = "";

        Plain(PrintStream stderr, boolean unicode) {
            super(unicode);
            this.stderr = stderr;
        }

        @Override
        Duration refresh() {
            return Duration.ofMillis(500);
        }

        @Override
        void render(String id, String shown, Duration elapsed) {
            if (!shown.equals(lastShown)) {
                say(id, String.format(Locale.ROOT, "[%5.1fs] %s", elapsed.toMillis() / 1000.0, shown));
                lastShown = shown;
            }
        }

        @Override
        void say(String taskId, String line) {
            stderr.println(line);
        }
    }

    /** {@link Plain}'s lines as log lines that carry the task's id, like every other line about it (JSON logs). */
    static final class Logged extends Plain {
        Logged(boolean unicode) {
            super(null, unicode);
        }

        @Override
        void say(String taskId, String line) {
            try (MDC.MDCCloseable task = MDC.putCloseable(TaskLog.TASK_ID, taskId)) {
                Log.GENERATE.info(line);
            }
        }

        /** Log4j starts on first use only: a refusal or a --help stays well under a second. */
        private static final class Log {
            static final Logger GENERATE = LoggerFactory.getLogger("dev.reelay.local.generate");
        }
    }
}
