package dev.reelay.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.Dialect;
import dev.reelay.local.sandbox.Dialects;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxFaults;
import dev.reelay.local.sandbox.SandboxSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code reelay sandbox}: starts a sandbox for every registered vendor dialect ({@link Dialects#ALL}) and
 * prints one line of JSON per sandbox on standard output, then serves until interrupted:
 * <pre>{@code {"provider":"unified","base_url":"http://127.0.0.1:41234","credentials":{"api_key":"sk-sandbox-..."},"ca_pem":null}}</pre>
 * Each dialect supplies its own credentials (Kling: {@code access_key} and {@code secret_key}); {@code ca_pem}
 * is the certificate to trust under {@code --tls}. Logs go to standard error.
 *
 * <pre>
 * reelay sandbox [--tls] [--render-delay SECONDS] [--progress-steps N] [--concurrency-limit PROVIDER=N]...
 *                [--fault PROVIDER:FAULT]...
 * </pre>
 * {@code --concurrency-limit PROVIDER=N} (N at least 1, one per provider, repeatable for several providers) gives
 * the named provider's sandbox an account limit of N unfinished jobs: a submission beyond it is refused with the
 * vendor's own concurrency error, HTTP 429 (Kling: code 1303; the others: code {@code concurrency_limit_exceeded}
 * in their error envelopes). Queries take no slot; a job frees its slot when it completes, fails or is cancelled.
 * On closing, each sandbox's peak of parallel jobs is printed on standard error.
 * <p>
 * Faults, each scripted into the named provider's sandbox (repeat {@code --fault} for more):
 * <ul>
 *   <li>{@code refuse=N:STATUS[:CODE]}: refuse the next N submissions with HTTP STATUS and the vendor's error
 *       body; CODE is the vendor's error code (default: its usual one for STATUS), e.g. {@code kling:refuse=2:429:1303}</li>
 *   <li>{@code slow=DURATION} or {@code slow=N:DURATION}: delay every answer, or the next N, e.g. {@code slow=1500ms}, {@code slow=3:2s}</li>
 *   <li>{@code fail-after-acceptance=N}: the next N accepted tasks end failed (content-policy block) after their render delay</li>
 *   <li>{@code lose-callbacks=N}: the next N callbacks are never sent</li>
 *   <li>{@code duplicate-callbacks=N}: the next N callbacks are sent twice</li>
 *   <li>{@code truncate-downloads=N}: the next N video downloads announce their full length but stop after about half</li>
 * </ul>
 */
public final class SandboxCommand {
    static final String USAGE = """
            Usage: reelay sandbox [--tls] [--render-delay SECONDS] [--progress-steps N]
                                  [--concurrency-limit PROVIDER=N]... [--fault PROVIDER:FAULT]...
            Starts a sandbox for every vendor dialect and prints one JSON line per sandbox:
              {"provider": ..., "base_url": ..., "credentials": {...}, "ca_pem": <PEM path under --tls, else null>}
            then serves until interrupted (Ctrl-C).
              --tls                    serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and localhost
              --render-delay SECONDS   least time from create to completed (default 3)
              --progress-steps N       distinct progress values while processing (default 5)
              --concurrency-limit PROVIDER=N
                                       let one provider's account run at most N unfinished jobs (N >= 1, repeatable
                                       for other providers); more are refused with the vendor's 429 concurrency error
              --fault PROVIDER:FAULT   script a fault into one provider's sandbox (repeatable); FAULT is one of
                refuse=N:STATUS[:CODE]   refuse the next N submissions with HTTP STATUS (vendor CODE, default the usual one)
                slow=DURATION            delay every answer (DURATION like 1500ms or 2s)
                slow=N:DURATION          delay the next N answers
                fail-after-acceptance=N  the next N accepted tasks fail with a content-policy block
                lose-callbacks=N         the next N callbacks are never sent
                duplicate-callbacks=N    the next N callbacks are sent twice
                truncate-downloads=N     the next N video downloads stop after about half their bytes
              e.g. --concurrency-limit kling=3 --fault unified:refuse=2:503 --fault unified:slow=1500ms
            """;
    private static final int EXIT_USAGE = 2;
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SandboxCommand() {
    }

    /** Runs until the JVM shuts down (Ctrl-C); a shutdown hook closes the sandboxes. Returns the exit code. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        return run(args, stdout, stderr, new CountDownLatch(1), true);
    }

    /** Runs until {@code stop} counts down, then closes the sandboxes and returns; registers no shutdown hook. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr, CountDownLatch stop) {
        return run(args, stdout, stderr, stop, false);
    }

    private static int run(String[] args, PrintStream stdout, PrintStream stderr, CountDownLatch stop, boolean shutdownHook) {
        Options options;
        Map<String, Plan> plans;
        try {
            options = Options.parse(args);
            if (options.help()) {
                stderr.print(USAGE);
                return 0;
            }
            plans = plan(options);
        } catch (UsageException e) {
            stderr.println("reelay sandbox: " + e.getMessage());
            stderr.print(USAGE);
            return EXIT_USAGE;
        }

        List<Sandbox> sandboxes = new ArrayList<>();
        if (shutdownHook) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                closeAll(sandboxes, stderr);
                stop.countDown();
            }, "reelay-sandbox-shutdown"));
        }
        try {
            for (Plan plan : plans.values()) {
                Sandbox sandbox = Sandbox.start(plan.dialect(), plan.settings(), options.tls());
                synchronized (sandboxes) {
                    sandboxes.add(sandbox);
                }
                plan.faults().forEach(fault -> fault.accept(sandbox.faults()));
                stdout.println(JSON.writeValueAsString(describe(sandbox)));
            }
            stdout.flush();
            stderr.println("Sandboxes for " + String.join(", ", plans.keySet()) + " running until interrupted (Ctrl-C).");
            stop.await();
            return 0;
        } catch (IOException e) {
            stderr.println("reelay sandbox: could not start: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            closeAll(sandboxes, stderr);
        }
    }

    /** What to start for each dialect, by name: its own settings (so its own random keys) and its scripted faults. */
    private record Plan(Dialect dialect, SandboxSettings settings, List<Consumer<SandboxFaults>> faults) {
    }

    private static Map<String, Plan> plan(Options options) throws UsageException {
        Map<String, Plan> plans = new LinkedHashMap<>();
        for (Function<SandboxSettings, Dialect> factory : Dialects.ALL) {
            SandboxSettings settings = options.applyTo(SandboxSettings.forUsers());
            Dialect dialect = factory.apply(settings);
            if (plans.putIfAbsent(dialect.name(), new Plan(dialect, settings, new ArrayList<>())) != null) {
                throw new IllegalStateException("Two dialects are named " + dialect.name());
            }
        }
        for (String fault : options.faults()) {
            String[] providerAndFault = fault.split(":", 2);
            Plan plan = plans.get(providerAndFault[0]);
            if (plan == null || providerAndFault.length < 2) {
                throw new UsageException("--fault " + fault + ": expected PROVIDER:FAULT with PROVIDER one of " + plans.keySet());
            }
            plan.faults().add(parseFault(providerAndFault[1], plan.dialect()));
        }
        for (Map.Entry<String, Integer> limit : options.concurrencyLimits().entrySet()) {
            Plan plan = plans.get(limit.getKey());
            if (plan == null) {
                throw new UsageException("--concurrency-limit " + limit.getKey() + "=" + limit.getValue()
                        + ": expected PROVIDER=N with PROVIDER one of " + plans.keySet());
            }
            plans.put(limit.getKey(), new Plan(plan.dialect(), plan.settings().withMaxParallelTasks(limit.getValue()), plan.faults()));
        }
        return plans;
    }

    private static ObjectNode describe(Sandbox sandbox) {
        ObjectNode line = JSON.createObjectNode();
        line.put("provider", sandbox.dialect().name());
        line.put("base_url", sandbox.baseUrl().toString());
        ObjectNode credentials = line.putObject("credentials");
        sandbox.dialect().credentials().forEach(credentials::put);
        line.put("ca_pem", sandbox.caPemPath().map(Object::toString).orElse(null));
        return line;
    }

    /** Closes every sandbox once (the shutdown hook and the main thread may both call it), reporting its peak. */
    private static void closeAll(List<Sandbox> sandboxes, PrintStream stderr) {
        synchronized (sandboxes) {
            for (Sandbox sandbox : sandboxes) {
                sandbox.close();
                stderr.println("Peak of parallel jobs in the " + sandbox.dialect().name() + " sandbox: " + sandbox.peakParallelJobs());
            }
            sandboxes.clear();
        }
    }

    private static Consumer<SandboxFaults> parseFault(String fault, Dialect dialect) throws UsageException {
        String[] kindAndValue = fault.split("=", 2);
        if (kindAndValue.length < 2) {
            throw new UsageException("fault " + fault + ": expected KIND=VALUE");
        }
        String[] parts = kindAndValue[1].split(":");
        return switch (kindAndValue[0]) {
            case "refuse" -> {
                if (parts.length < 2 || parts.length > 3) {
                    throw new UsageException("fault " + fault + ": expected refuse=N:STATUS[:CODE]");
                }
                int times = count(fault, parts[0]);
                int status = wholeNumber("fault " + fault, parts[1]);
                if (status < 400 || status > 599) {
                    throw new UsageException("fault " + fault + ": STATUS must be from 400 to 599");
                }
                SandboxFaults.Refusal typical = dialect.typicalRefusal(status);
                SandboxFaults.Refusal refusal = parts.length == 3 ? typical.withCode(parts[2]) : typical;
                yield faults -> faults.refuseSubmissions(times, refusal);
            }
            case "slow" -> {
                if (parts.length == 1) {
                    Duration delay = duration(fault, parts[0]);
                    yield faults -> faults.slowAllResponses(delay);
                }
                if (parts.length != 2) {
                    throw new UsageException("fault " + fault + ": expected slow=DURATION or slow=N:DURATION");
                }
                int times = count(fault, parts[0]);
                Duration delay = duration(fault, parts[1]);
                yield faults -> faults.slowResponses(times, delay);
            }
            case "fail-after-acceptance" -> {
                int times = count(fault, kindAndValue[1]);
                yield faults -> faults.failAfterAcceptance(times, SandboxFaults.LateFailure.contentPolicy());
            }
            case "lose-callbacks" -> {
                int times = count(fault, kindAndValue[1]);
                yield faults -> faults.loseCallbacks(times);
            }
            case "duplicate-callbacks" -> {
                int times = count(fault, kindAndValue[1]);
                yield faults -> faults.duplicateCallbacks(times);
            }
            case "truncate-downloads" -> {
                int times = count(fault, kindAndValue[1]);
                yield faults -> faults.truncateDownloads(times);
            }
            default -> throw new UsageException("fault " + fault + ": unknown kind " + kindAndValue[0]);
        };
    }

    private static int count(String fault, String text) throws UsageException {
        int count = wholeNumber("fault " + fault, text);
        if (count < 1) {
            throw new UsageException("fault " + fault + ": N must be at least 1");
        }
        return count;
    }

    private static int wholeNumber(String context, String text) throws UsageException {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UsageException(context + ": " + text + " is not a whole number");
        }
    }

    private static Duration duration(String fault, String text) throws UsageException {
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches()) {
            throw new UsageException("fault " + fault + ": " + text + " is not a duration like 1500ms or 2s");
        }
        double amount = Double.parseDouble(matcher.group(1));
        return Duration.ofMillis(Math.round(matcher.group(2).equals("s") ? amount * 1000 : amount));
    }

    private record Options(boolean help, boolean tls, Duration renderDelay, Integer progressSteps,
                           Map<String, Integer> concurrencyLimits, List<String> faults) {
        static Options parse(String[] args) throws UsageException {
            boolean help = false;
            boolean tls = false;
            Duration renderDelay = null;
            Integer progressSteps = null;
            Map<String, Integer> concurrencyLimits = new LinkedHashMap<>();
            List<String> faults = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--help", "-h" -> help = true;
                    case "--tls" -> tls = true;
                    case "--render-delay" -> {
                        double seconds = decimal(args[i], value(args, ++i));
                        if (seconds < 0) {
                            throw new UsageException("--render-delay must not be negative");
                        }
                        renderDelay = Duration.ofMillis(Math.round(seconds * 1000));
                    }
                    case "--progress-steps" -> {
                        progressSteps = wholeNumber(args[i], value(args, ++i));
                        if (progressSteps < 1) {
                            throw new UsageException("--progress-steps must be at least 1");
                        }
                    }
                    case "--concurrency-limit" -> concurrencyLimit(value(args, ++i), concurrencyLimits);
                    case "--fault" -> faults.add(value(args, ++i));
                    default -> throw new UsageException("unknown option " + args[i]);
                }
            }
            return new Options(help, tls, renderDelay, progressSteps, Collections.unmodifiableMap(concurrencyLimits), List.copyOf(faults));
        }

        /** PROVIDER=N, N at least 1, once per provider; whether PROVIDER exists is checked with the dialects. */
        private static void concurrencyLimit(String text, Map<String, Integer> limits) throws UsageException {
            String option = "--concurrency-limit " + text;
            String[] providerAndLimit = text.split("=", 2);
            if (providerAndLimit.length < 2 || providerAndLimit[0].isBlank()) {
                throw new UsageException(option + ": expected PROVIDER=N");
            }
            int limit = wholeNumber(option, providerAndLimit[1]);
            if (limit < 1) {
                throw new UsageException(option + ": N must be at least 1");
            }
            if (limits.putIfAbsent(providerAndLimit[0], limit) != null) {
                throw new UsageException(option + ": " + providerAndLimit[0] + " already has a limit");
            }
        }

        SandboxSettings applyTo(SandboxSettings defaults) {
            return defaults.withTiming(renderDelay != null ? renderDelay : defaults.renderDelay(),
                    progressSteps != null ? progressSteps : defaults.progressSteps());
        }

        private static String value(String[] args, int index) throws UsageException {
            if (index >= args.length) {
                throw new UsageException(args[index - 1] + " needs a value");
            }
            return args[index];
        }

        private static double decimal(String option, String text) throws UsageException {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new UsageException(option + " takes a number, got " + text);
            }
        }
    }

    private static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
