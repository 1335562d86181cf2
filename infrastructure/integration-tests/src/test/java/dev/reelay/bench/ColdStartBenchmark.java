package dev.reelay.bench;

import com.sun.net.httpserver.HttpServer;
import dev.reelay.handler.ColdStartChild;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.local.engines.LocalS3;
import dev.reelay.local.engines.TasksTable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start: fresh JVMs ({@link ColdStartChild}) up to their first answered request, against the
 * bare SDK-client probe in the same run. This JVM starts DynamoDB Local (with the tasks table) and
 * s3proxy, plus a stub of Step Functions that accepts every StartExecution; the children reach them
 * through {@code AWS_ENDPOINT_URL_*} with static credentials in the environment. Five kinds of child,
 * interleaved, {@code <repetitions>} each: the probe (clients, then one GetItem), GetTask and
 * SubmitVideo each without and with SnapStart's priming. The submit is a text-to-video request (the
 * sample event's image-to-video one would fetch its picture from the internet). Times are medians of
 * the wall time from spawning the child to its answer; a final untimed child of each kind counts the
 * classes loaded by phase. A child's request time counts reading the event with the Lambda runtime's
 * serializer (shown alone as "event"), the handler's answer and writing it back as JSON. Usage: {@code ColdStartBenchmark <repetitions>}; last line {@code BENCH coldstart ...}.
 */
public final class ColdStartBenchmark {
    private static final String TABLE = "bench-tasks";
    private static final String SUBMIT_BODY = "{\\\"model\\\":\\\"kling-v3-text-to-video\\\",\\\"prompt\\\":\\\"Waves roll onto the beach at sunset\\\","
            + "\\\"duration\\\":5,\\\"quality\\\":\\\"720p\\\",\\\"sound\\\":\\\"off\\\"}";

    private record Run(long totalMs, long toMainMs, double initMs, double primingMs, double eventMs, double requestMs, int status,
                       long classes, long classesMain, long classesInit, long classesPrimed) {
    }

    public static void main(String[] args) throws Exception {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path events = findEvents();
        Path work = Files.createTempDirectory("reelay-bench-cold");
        Path submitEvent = work.resolve("submit-video.json");
        String submit = Files.readString(events.resolve("submit-video.json"));
        int bodyAt = submit.indexOf("\"body\": \"");
        int bodyEnd = submit.indexOf("\",\n", bodyAt);
        Files.writeString(submitEvent, submit.substring(0, bodyAt) + "\"body\": \"" + SUBMIT_BODY + submit.substring(bodyEnd));
        Path getEvent = events.resolve("get-task.json");

        HttpServer sfn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sfn.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"executionArn\":\"arn:aws:states:us-east-1:000000000000:execution:bench:x\",\"startDate\":1.7E9}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        sfn.start();
        try (LocalDynamoDb dynamoDb = LocalDynamoDb.start(null); LocalS3 s3 = LocalS3.start(null)) {
            TasksTable.ensure(dynamoDb.client(), TABLE);
            s3.createBucket("bench-archive");
            s3.createBucket("bench-uploads");
            Map<String, String> env = new HashMap<>();
            env.put("TASKS_TABLE", TABLE);
            env.put("ARCHIVE_BUCKET", "bench-archive");
            env.put("UPLOADS_BUCKET", "bench-uploads");
            env.put("PROVIDER_ENDPOINTS", "unified=https://api.example.com;kling=https://api-singapore.klingai.com");
            env.put("PROVIDER_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench");
            env.put("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:000000000000:stateMachine:bench");
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "local");
            env.put("AWS_SECRET_ACCESS_KEY", "local");
            env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDb.endpoint().toString());
            env.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
            env.put("AWS_ENDPOINT_URL_SFN", "http://127.0.0.1:" + sfn.getAddress().getPort());
            env.put("AWS_EC2_METADATA_DISABLED", "true");
            env.put("AWS_CONFIG_FILE", work.resolve("no-config").toString());
            env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-credentials").toString());
            env.put("REELAY_LOG_LEVEL", "WARN");

            // The task GetTask reads: made by a first (untimed) submit, which also warms the disk cache.
            String taskId = child(env, "handler", submitEvent.toString(), null, false).taskId;
            Map<String, List<String>> kinds = new LinkedHashMap<>();
            kinds.put("probe", List.of("probe", taskId));
            kinds.put("get", List.of("handler", getEvent.toString(), taskId));
            kinds.put("get_primed", List.of("primed", getEvent.toString(), taskId));
            kinds.put("submit", List.of("handler", submitEvent.toString()));
            kinds.put("submit_primed", List.of("primed", submitEvent.toString()));
            for (List<String> kind : kinds.values()) {
                child(env, kind.get(0), kind.get(1), kind.size() > 2 ? kind.get(2) : null, false);
            }
            Map<String, List<Run>> runs = new LinkedHashMap<>();
            kinds.keySet().forEach(name -> runs.put(name, new ArrayList<>()));
            for (int rep = 0; rep < repetitions; rep++) {
                for (Map.Entry<String, List<String>> kind : kinds.entrySet()) {
                    List<String> a = kind.getValue();
                    Run run = child(env, a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, false).run;
                    if (run.status() != 200) {
                        throw new IllegalStateException(kind.getKey() + " answered " + run.status());
                    }
                    runs.get(kind.getKey()).add(run);
                }
            }
            Map<String, Run> classes = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> kind : kinds.entrySet()) {
                List<String> a = kind.getValue();
                classes.put(kind.getKey(), child(env, a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, true).run);
            }

            System.out.printf("%-14s %8s %8s %8s %8s %8s %8s %8s | %8s %8s %8s %8s%n", "median ms", "total", "to main", "init",
                    "priming", "event", "request", "ratio", "cls main", "cls init", "cls prim", "cls answ");
            double probe = median(runs.get("probe"), Run::totalMs);
            StringBuilder bench = new StringBuilder("BENCH coldstart reps=" + repetitions);
            for (String name : kinds.keySet()) {
                List<Run> list = runs.get(name);
                Run counted = classes.get(name);
                double total = median(list, Run::totalMs);
                double primingMs = median(list, Run::primingMs);
                double requestMs = median(list, Run::requestMs);
                System.out.printf(Locale.ROOT, "%-14s %8.0f %8.0f %8.0f %8.0f %8.0f %8.0f %8.2f | %8d %8d %8d %8d%n", name, total,
                        median(list, Run::toMainMs), median(list, Run::initMs), primingMs, median(list, Run::eventMs), requestMs,
                        total / probe, counted.classesMain(), counted.classesInit(), counted.classesPrimed(), counted.classes());
                bench.append(String.format(Locale.ROOT, " %s_ms=%.0f %s_ratio=%.2f %s_init_ms=%.0f %s_request_ms=%.0f %s_classes=%d",
                        name, total, name, total / probe, name, median(list, Run::initMs), name, requestMs, name, counted.classes()));
                if (primingMs > 0) {
                    bench.append(String.format(Locale.ROOT, " %s_priming_ms=%.0f", name, primingMs));
                }
            }
            System.out.println(bench);
        } finally {
            sfn.stop(0);
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        System.exit(0);
    }

    private record Child(Run run, String taskId) {
    }

    private static Child child(Map<String, String> env, String mode, String arg, String taskId, boolean countClasses)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ColdStartChild.class.getName(), mode, arg));
        if (taskId != null) {
            command.add(taskId);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().clear();
        builder.environment().putAll(env);
        if (countClasses) {
            builder.environment().put("COLD_CLASSES", "1");
        }
        long spawned = System.currentTimeMillis();
        Process process = builder.start();
        process.getOutputStream().close();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("the child " + command.subList(3, command.size()) + " failed: " + stdout);
        }
        String created = null;
        Map<String, String> values = new HashMap<>();
        for (String line : stdout.split("\\R")) {
            if (line.startsWith("TASK ")) {
                created = line.substring(5).trim();
            } else if (line.startsWith("COLD ")) {
                for (String pair : line.substring(5).trim().split(" ")) {
                    String[] kv = pair.split("=", 2);
                    values.put(kv[0], kv[1]);
                }
            }
        }
        if (values.isEmpty()) {
            throw new IllegalStateException("no COLD line from " + command.subList(3, command.size()) + ": " + stdout);
        }
        Run run = new Run(Long.parseLong(values.get("answered_epoch_ms")) - spawned,
                Long.parseLong(values.get("main_epoch_ms")) - spawned, Double.parseDouble(values.get("init_ms")),
                Double.parseDouble(values.get("priming_ms")), Double.parseDouble(values.get("event_ms")),
                Double.parseDouble(values.get("request_ms")),
                Integer.parseInt(values.get("status")), Long.parseLong(values.get("classes")),
                Long.parseLong(values.get("classes_main")), Long.parseLong(values.get("classes_init")),
                Long.parseLong(values.get("classes_primed")));
        return new Child(run, created);
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** The repository's {@code events/} directory, from the module's directory or the repository's root. */
    private static Path findEvents() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("events/get-task.json"))) {
                return dir.resolve("events");
            }
        }
        throw new IllegalStateException("events/get-task.json not found above " + Path.of("").toAbsolutePath());
    }
}
