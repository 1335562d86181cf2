package dev.reelay.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The {@code ./reelay} command line, declared with picocli: every command, its typed options and its
 * {@code --help}. The work is done by {@link Launcher} (local {@code generate} and {@code serve}),
 * {@link KeysCommand}, {@link SandboxCommand} and {@link RemoteApi} (the commands that ask a running API).
 */
final class Cli {
    static final String EXIT_CODES = """
            %nExit codes:
              0  done
              1  the task failed (or an unexpected error)
              2  refused or bad usage; an API refusal (404 too) is the last stdout line
              3  unavailable: the endpoint cannot be reached or answered 5xx,
                 or the local stack did not start""";
    static final String KEYS_EXIT_CODES = """
            %nExit codes:
              0  done: a write was read back from the database
              1  a write could not be confirmed by reading it back (or an unexpected error)
              2  refused or bad usage: a bad name or option, a name taken, no such key
              3  unavailable: the database or the running stack failed or could not be reached""";
    static final String BATCH_EXIT_CODES = """
            %nExit codes:
              0  every request completed and its video was downloaded
              1  some requests failed, were refused or cancelled (the results file tells
                 which), or an unexpected error
              2  refused or bad usage (a line that is not a JSON object: nothing is sent);
                 an API refusal is the last stdout line
              3  unavailable: the endpoint cannot be reached or answered 5xx, a video could
                 not be downloaded, or the local stack did not start""";
    /** Re-serializes an answer onto one line without changing its numbers. */
    private static final class OneLine {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    }

    private Cli() {
    }

    /** The whole command tree, writing to the launcher's streams, with Reelay's exit codes. */
    static CommandLine commandLine(Launcher launcher) {
        CommandLine root = new CommandLine(new Root(launcher));
        root.addSubcommand("generate", new Generate(launcher));
        root.addSubcommand("batch", new Batch(launcher));
        root.addSubcommand("serve", new Serve(launcher));
        CommandLine keys = new CommandLine(new Keys());
        keys.addSubcommand("create", new KeysCreate(launcher));
        keys.addSubcommand("list", new KeysList(launcher));
        keys.addSubcommand("revoke", new KeysRevoke(launcher));
        keys.addSubcommand("usage", new KeysUsage(launcher));
        keys.addSubcommand("webhook-secret", new KeysWebhookSecret(launcher));
        root.addSubcommand("keys", keys);
        CommandLine sandbox = new CommandLine(new Sandbox(launcher));
        // Its options are SandboxCommand's own (with its own --help): picocli passes them on as they are.
        sandbox.setUnmatchedOptionsArePositionalParams(true);
        root.addSubcommand("sandbox", sandbox);
        CommandLine tasks = new CommandLine(new Tasks());
        tasks.addSubcommand("list", new TasksList(launcher));
        tasks.addSubcommand("get", new TasksGet(launcher));
        tasks.addSubcommand("cancel", new TasksCancel(launcher));
        tasks.addSubcommand("download", new TasksDownload(launcher));
        root.addSubcommand("tasks", tasks);
        root.addSubcommand("usage", new Usage(launcher));
        root.addSubcommand("completion", new Completion(launcher));
        root.addSubcommand("help", new CommandLine.HelpCommand());
        root.setCaseInsensitiveEnumValuesAllowed(true);
        root.setOut(new PrintWriter(launcher.stdout, true));
        root.setErr(new PrintWriter(launcher.stderr, true));
        root.setParameterExceptionHandler((problem, args) -> {
            PrintWriter err = problem.getCommandLine().getErr();
            err.println("reelay: " + problem.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(problem, err);
            err.println("Try '" + problem.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return Launcher.REFUSED;
        });
        root.setExecutionExceptionHandler((failure, command, parsed) -> {
            PrintWriter err = command.getErr();
            if (failure instanceof Launcher.UsageException) {
                err.println("reelay: " + failure.getMessage());
                err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help'.");
                return Launcher.REFUSED;
            }
            if (failure instanceof RemoteApi.Unavailable) {
                err.println("reelay: unavailable: " + failure.getMessage());
                tellTheStackLog(launcher, err);
                return Launcher.UNAVAILABLE;
            }
            err.println("reelay: " + failure);
            failure.printStackTrace(err);
            tellTheStackLog(launcher, err);
            return Launcher.TASK_FAILED;
        });
        return root;
    }

    private static void tellTheStackLog(Launcher launcher, PrintWriter err) {
        if (launcher.stackLog != null) {
            err.println("The local stack's log: " + Launcher.shown(launcher.stackLog));
        }
    }

    static boolean ended(String status) {
        return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }

    /** A 2xx answer: its JSON object as one stdout line; exit 0. */
    static int printAnswer(Launcher launcher, String what, RemoteApi.Answer answer) throws Exception {
        if (!answer.ok()) {
            return answerNotOk(launcher, what, answer);
        }
        launcher.stdout.println(oneLine(answer.body()));
        return Launcher.DONE;
    }

    /** A refusal (4xx, exit 2) or an unavailable API (5xx, exit 3): its error object as the last stdout line. */
    static int answerNotOk(Launcher launcher, String what, RemoteApi.Answer answer) {
        String message;
        try {
            JsonNode error = OneLine.MAPPER.readTree(answer.body());
            launcher.stdout.println(oneLine(answer.body()));
            message = error.path("error").path("message").asText(error.path("message").asText(answer.body()));
        } catch (Exception notJson) {
            message = answer.body();
        }
        launcher.stderr.println("reelay: " + what + " answered HTTP " + answer.status() + ": " + message);
        return answer.status() >= 500 ? Launcher.UNAVAILABLE : Launcher.REFUSED;
    }

    private static String oneLine(String body) throws Exception {
        String stripped = body.strip();
        return stripped.contains("\n") ? OneLine.MAPPER.writeValueAsString(OneLine.MAPPER.readTree(stripped)) : stripped;
    }

    private static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code -h}/{@code --help} on every command. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;
    }

    @Command(name = "reelay", description = {"Reelay's command line: make videos on the local stack, serve its API, manage API keys, and ask any Reelay API"
            + " (a running ./reelay serve or a deployed stack) about tasks and usage.",
            "Standard output carries only JSON lines (and what --help and completion print); messages for people go to stderr.",
            "'reelay COMMAND --help' tells a command's options."},
            footer = EXIT_CODES, synopsisSubcommandLabel = "COMMAND")
    static final class Root extends Base {
        @Spec
        CommandLine.Model.CommandSpec spec;
        private final Launcher launcher;

        Root(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "no command given");
        }
    }

    /** Where a remote command sends its requests: {@code --endpoint}/{@code REELAY_ENDPOINT}, {@code --api-key}/{@code REELAY_API_KEY}. */
    static final class RemoteOptions {
        @Option(names = "--endpoint", paramLabel = "URL",
                description = "A Reelay API's base URL (./reelay serve's base_url, or a deployed stack's); default: $REELAY_ENDPOINT.")
        String endpoint;
        @Option(names = "--api-key", paramLabel = "KEY", description = "The API key to call it with; default: $REELAY_API_KEY.")
        String apiKey;

        Optional<String> endpoint(Launcher launcher) {
            String chosen = endpoint != null ? endpoint : launcher.environment.get("REELAY_ENDPOINT");
            return Optional.ofNullable(chosen).filter(text -> !text.isBlank());
        }

        RemoteApi api(Launcher launcher) {
            String url = endpoint(launcher).orElseThrow(() -> new Launcher.UsageException(
                    "this command asks a running Reelay API: give --endpoint URL or set REELAY_ENDPOINT (./reelay serve prints its base_url)"));
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new Launcher.UsageException("--endpoint '" + url + "' is not a URL");
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new Launcher.UsageException("--endpoint '" + url + "' must be an http:// or https:// URL");
            }
            String key = apiKey != null ? apiKey : launcher.environment.get("REELAY_API_KEY");
            if (key == null || key.isBlank()) {
                throw new Launcher.UsageException("give --api-key KEY or set REELAY_API_KEY");
            }
            return new RemoteApi(uri, key);
        }
    }

    /** The embedded stack's settings, for local {@code generate} and {@code serve}. */
    static final class StackOptions {
        @Option(names = "--render-delay", paramLabel = "SECONDS", description = "The sandbox vendors' least time to render (default 3).")
        Double renderDelay;
        @Option(names = "--progress-steps", paramLabel = "N", description = "Distinct progress values while rendering (default 5).")
        Integer progressSteps;
        @Option(names = "--max-concurrency", paramLabel = "PROVIDER=N",
                description = "At most N tasks at that vendor at once; the rest wait in the queue (repeatable).")
        List<String> maxConcurrency = new ArrayList<>();
        @Option(names = "--allow-local-webhooks", description = "Let callback_url be an http://localhost receiver (local only).")
        boolean allowLocalWebhooks;
        @Option(names = "--verbose", description = "Show the local stack's log on stderr, instead of writing it to .reelay/logs/"
                + " (with REELAY_LOG_FORMAT=json it is always on stderr).")
        boolean verbose;

        boolean anyGiven() {
            return renderDelay != null || progressSteps != null || !maxConcurrency.isEmpty() || allowLocalWebhooks;
        }

        /** With {@code --endpoint} the stack is not ours to set up. */
        void refuseWithEndpoint() {
            if (anyGiven()) {
                throw new Launcher.UsageException("--render-delay, --progress-steps, --max-concurrency and --allow-local-webhooks"
                        + " set up the local stack; they do not go with --endpoint");
            }
        }
    }

    @Command(name = "generate", description = {"Make one video end to end and download it: on the local stack, or with --endpoint on any Reelay API.",
            "The last stdout line is the final task object with \"file\" added: the downloaded video's path (the local stack's"
            + " result.url dies with the command).",
            "A refused request prints the API's error envelope as the last stdout line and exits 2; locally the parameters and"
            + " the image (format, size, dimensions) are checked before any stack starts."}, footer = EXIT_CODES)
    static final class Generate extends Base {
        private final Launcher launcher;
        @Option(names = "--image", required = true, paramLabel = "PATH|URL",
                description = "The first frame: a JPG or PNG file (with --endpoint, uploaded through POST /v1/uploads first), or an https:// URL.")
        String image;
        @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What happens in the video.")
        String prompt;
        @Option(names = "--last-image", paramLabel = "PATH|URL", description = "The last frame, as --image.")
        String lastImage;
        @Option(names = "--duration", paramLabel = "SECONDS", description = "3 to 15 (default 5).")
        String duration;
        @Option(names = "--quality", paramLabel = "720p|1080p|4k", description = "Default 720p.")
        String quality;
        @Option(names = "--sound", paramLabel = "on|off", description = "Default off.")
        String sound;
        @Option(names = "--aspect-ratio", paramLabel = "16:9|9:16|1:1", description = "The video's aspect ratio.")
        String aspectRatio;
        @Option(names = "--provider", paramLabel = "kling|unified|apimart|gateway", description = "Pin one vendor.")
        String provider;
        @Option(names = "--callback-url", paramLabel = "URL", description = "Where the task's webhook goes.")
        String callbackUrl;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "videos", description = "Where the video is saved as ID.mp4 (default videos).")
        String out;
        @Option(names = "--progress", paramLabel = "auto|live|plain", defaultValue = "auto",
                description = "live: one line rewritten in place; plain: a line when the task changes;"
                        + " auto (default): live when stderr is a terminal and not --verbose.")
        ProgressDisplay.Mode progress;
        @Mixin
        StackOptions stack;
        @Mixin
        RemoteOptions remote;

        Generate(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            if (remote.endpoint(launcher).isPresent()) {
                stack.refuseWithEndpoint();
                return launcher.generateRemotely(this, remote.api(launcher));
            }
            return launcher.generateLocally(this);
        }

        /** The body of {@code POST /v1/videos/generations}, as the API parses it (a map, so no databind loads for a refusal). */
        Map<String, Object> request(String imageStart, String imageEnd) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("model", "kling-v3-image-to-video");
            request.put("prompt", prompt);
            request.put("image_start", imageStart);
            putIfGiven(request, "image_end", imageEnd);
            putIfGiven(request, "duration", duration == null ? null : numberOrText(duration));
            putIfGiven(request, "quality", quality);
            putIfGiven(request, "sound", sound);
            putIfGiven(request, "aspect_ratio", aspectRatio);
            putIfGiven(request, "provider", provider);
            putIfGiven(request, "callback_url", callbackUrl);
            return request;
        }

        private static void putIfGiven(Map<String, Object> request, String field, Object value) {
            if (value != null) {
                request.put(field, value);
            }
        }

        private static Object numberOrText(String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException notANumber) {
                return value; // refused as the API refuses it: invalid_duration
            }
        }
    }

    @Command(name = "batch", description = {"Make the videos of a JSON Lines file as one batch (POST /v1/batches) and download them:"
            + " on the local stack, or with --endpoint on any Reelay API.",
            "Each non-blank line of FILE is one POST /v1/videos/generations body (the batch takes 1 to 1000). Every line must be"
            + " a JSON object: otherwise the bad lines are told by number and nothing is sent (exit 2). Locally an image_start"
            + " or image_end that is a file path, not a URL, is sent as its file: URL, a relative path taken from FILE's folder;"
            + " with --endpoint the lines go as they are, and the API refuses a local path (give https:// URLs or upload://"
            + " references).",
            "One progress line follows the whole batch until it is completed or cancelled. Then each completed task's video is"
            + " saved as DIR/TASK_ID.mp4, and DIR/STEM.results.jsonl (STEM: FILE's name without its extension) gets one line per"
            + " request, in FILE's order: {index, line, task_id, status, file, cost_usd, error} (a refused request: task_id"
            + " null and the API's error; a failed task: its error).",
            "The last stdout line is the final batch object with \"results\", the results file's path.",
            "The batch is created with an Idempotency-Key made from the SHA-256 of what is sent (reelay-batch-HEX): running the"
            + " same FILE again with the same options (after a lost connection, Ctrl-C or a failed download) follows and downloads"
            + " the batch made the first time instead of making a second one, as long as the API keeps the key; --new makes a new"
            + " batch. Ctrl-C stops following: a remote batch goes on, the local stack stops with the command."},
            footer = BATCH_EXIT_CODES)
    static final class Batch extends Base {
        private final Launcher launcher;
        @Parameters(paramLabel = "FILE", description = "The requests: one generation request (a JSON object) a line.")
        String file;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "videos",
                description = "Where the videos (TASK_ID.mp4) and STEM.results.jsonl are saved (default videos).")
        String out;
        @Option(names = "--callback-url", paramLabel = "URL", description = "Where the batch's one webhook goes once it has ended"
                + " (locally an embedded stack stops with the command, so use ./reelay serve to receive it).")
        String callbackUrl;
        @Option(names = "--new", description = "Send no Idempotency-Key: always make a new batch, even of requests sent before.")
        boolean fresh;
        @Option(names = "--progress", paramLabel = "auto|live|plain", defaultValue = "auto",
                description = "live: one line rewritten in place; plain: a line when the batch's counts change;"
                        + " auto (default): live when stderr is a terminal and not --verbose.")
        ProgressDisplay.Mode progress;
        @Mixin
        StackOptions stack;
        @Mixin
        RemoteOptions remote;

        Batch(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            Path requestsFile = Path.of(file).toAbsolutePath();
            List<BatchCommand.Request> requests = BatchCommand.read(requestsFile);
            Path outDir = Path.of(out).toAbsolutePath();
            String name = requestsFile.getFileName().toString();
            String stem = name.contains(".") && name.lastIndexOf('.') > 0 ? name.substring(0, name.lastIndexOf('.')) : name;
            ProgressDisplay display = ProgressDisplay.choose(progress, launcher.stderr, Launcher.jsonLogs(), stack.verbose);
            if (remote.endpoint(launcher).isPresent()) {
                stack.refuseWithEndpoint();
                RemoteApi api = remote.api(launcher);
                return BatchCommand.run(launcher, api, requests, BatchCommand.body(requests, callbackUrl), !fresh, outDir, stem, display,
                        BatchCommand.REMOTE_POLL);
            }
            BatchCommand.resolveLocalImages(requests, requestsFile.getParent());
            String body = BatchCommand.body(requests, callbackUrl);
            return launcher.onLocalStack("batch", stack, display instanceof ProgressDisplay.Live,
                    api -> BatchCommand.run(launcher, api, requests, body, !fresh, outDir, stem, display, BatchCommand.LOCAL_POLL));
        }
    }

    @Command(name = "serve", description = {"Keep the local HTTP API up until Ctrl-C.",
            "Once ready, prints one JSON line: base_url, api_key, api_key_name, s3_endpoint, s3_access_key, s3_secret_key,"
            + " uploads_bucket.",
            "While it runs it owns .reelay/ and runs the keys commands of other processes (found through .reelay/serve.json);"
            + " a second serve on the same .reelay/ exits 3."}, footer = EXIT_CODES)
    static final class Serve extends Base {
        private final Launcher launcher;
        @Option(names = "--port", paramLabel = "PORT", defaultValue = "3000", description = "The API's port (default 3000; 0 picks a free one).")
        int port;
        @Mixin
        StackOptions stack;

        Serve(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            return launcher.serve(port, stack);
        }
    }

    @Command(name = "keys", description = {"Manage API keys.",
            "Of the local stack, or with --table NAME [--region R] of a deployed stack's table (default AWS credentials).",
            "While ./reelay serve (or a local generate) runs, the command is run by that process, found through .reelay/serve.json;"
            + " otherwise it opens .reelay/'s database itself, one keys command at a time.",
            "A write is read back before it is reported: exit 0 means it is stored; 1 means it could not be confirmed,"
            + " 3 that the database failed."},
            synopsisSubcommandLabel = "COMMAND", footer = KEYS_EXIT_CODES)
    static final class Keys extends Base {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "keys needs a command: create, list, revoke, usage or webhook-secret");
        }
    }

    /** A deployed stack's table instead of the local one. */
    static final class TableOptions {
        @Option(names = "--table", paramLabel = "NAME", description = "A deployed stack's tasks table instead of the local stack's.")
        String table;
        @Option(names = "--region", paramLabel = "REGION", description = "The table's AWS region (with --table).")
        String region;
    }

    /** The {@code keys} commands hand their options to {@link KeysCommand}, which keeps its own rules and messages. */
    abstract static class KeysSubcommand extends Base {
        private final Launcher launcher;
        @Mixin
        TableOptions tableOptions;

        KeysSubcommand(Launcher launcher) {
            this.launcher = launcher;
        }

        abstract String name();

        abstract void addOptions(Deque<String> args);

        static void add(Deque<String> args, String option, String value) {
            if (value != null) {
                args.add("--" + option);
                args.add(value);
            }
        }

        @Override
        public Integer call() throws Exception {
            Deque<String> args = new ArrayDeque<>();
            args.add(name());
            addOptions(args);
            add(args, "table", tableOptions.table);
            add(args, "region", tableOptions.region);
            return KeysCommand.run(args, launcher.stateDir, launcher.stdout, launcher.stderr);
        }
    }

    @Command(name = "create", description = {"Create an API key.",
            "Prints {name, api_key, monthly_budget_usd, max_concurrency, webhook_secret} on one line once the key is stored;"
            + " the key is shown this once (keys webhook-secret shows the webhook secret again)."}, footer = KEYS_EXIT_CODES)
    static final class KeysCreate extends KeysSubcommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Lowercase letters, digits and dashes; never reused.")
        String name;
        @Option(names = "--monthly-budget-usd", paramLabel = "AMOUNT", description = "A monthly budget in US dollars, such as 25 or 12.50.")
        String budget;
        @Option(names = "--max-concurrency", paramLabel = "N", description = "At most N of the key's tasks at vendors at once (N >= 1).")
        String maxConcurrency;

        KeysCreate(Launcher launcher) {
            super(launcher);
        }

        @Override
        String name() {
            return "create";
        }

        @Override
        void addOptions(Deque<String> args) {
            add(args, "name", name);
            add(args, "monthly-budget-usd", budget);
            add(args, "max-concurrency", maxConcurrency);
        }
    }

    @Command(name = "list", description = "List the API keys, one JSON line each, without secrets.", footer = KEYS_EXIT_CODES)
    static final class KeysList extends KeysSubcommand {
        KeysList(Launcher launcher) {
            super(launcher);
        }

        @Override
        String name() {
            return "list";
        }

        @Override
        void addOptions(Deque<String> args) {
        }
    }

    @Command(name = "revoke", description = "Revoke an API key; prints {name, revoked_at}.", footer = KEYS_EXIT_CODES)
    static final class KeysRevoke extends KeysSubcommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The key's name.")
        String name;

        KeysRevoke(Launcher launcher) {
            super(launcher);
        }

        @Override
        String name() {
            return "revoke";
        }

        @Override
        void addOptions(Deque<String> args) {
            add(args, "name", name);
        }
    }

    @Command(name = "usage", description = "A key's usage of a month and its budget: the object GET /v1/usage answers that key with.",
            footer = KEYS_EXIT_CODES)
    static final class KeysUsage extends KeysSubcommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The key's name.")
        String name;
        @Option(names = "--month", paramLabel = "YYYY-MM", description = "The month (UTC; default this month).")
        String month;

        KeysUsage(Launcher launcher) {
            super(launcher);
        }

        @Override
        String name() {
            return "usage";
        }

        @Override
        void addOptions(Deque<String> args) {
            add(args, "name", name);
            add(args, "month", month);
        }
    }

    @Command(name = "webhook-secret", description = {"Show an API key's webhook signing secret again, or replace it with --rotate.",
            "Prints {name, webhook_secret, rotated} on one line. After a rotation every delivery attempt, retries of earlier"
            + " webhooks included, is signed with the new secret only."}, footer = KEYS_EXIT_CODES)
    static final class KeysWebhookSecret extends KeysSubcommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The key's name.")
        String name;
        @Option(names = "--rotate", description = "Make a new secret; the old one stops signing at once.")
        boolean rotate;

        KeysWebhookSecret(Launcher launcher) {
            super(launcher);
        }

        @Override
        String name() {
            return "webhook-secret";
        }

        @Override
        void addOptions(Deque<String> args) {
            add(args, "name", name);
            if (rotate) {
                args.add("--rotate");
            }
        }
    }

    @Command(name = "sandbox", description = {"Run the vendor sandboxes alone.",
            "Prints one JSON line per sandbox, then serves until Ctrl-C. Its options (--tls, --render-delay, --progress-steps,"
            + " --concurrency-limit, --fault) are told by 'reelay sandbox --help'."},
            footer = EXIT_CODES)
    static final class Sandbox implements Callable<Integer> {
        private final Launcher launcher;
        @Parameters(arity = "0..*", paramLabel = "OPTION", description = "The sandbox's own options (reelay sandbox --help).")
        List<String> args = new ArrayList<>();

        Sandbox(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() {
            return SandboxCommand.run(args.toArray(String[]::new), launcher.stdout, launcher.stderr);
        }
    }

    @Command(name = "tasks", description = {"Ask a Reelay API about your tasks.",
            "With --endpoint URL --api-key KEY, or $REELAY_ENDPOINT and $REELAY_API_KEY; each command prints the API's JSON"
            + " object on one stdout line."},
            synopsisSubcommandLabel = "COMMAND", footer = EXIT_CODES)
    static final class Tasks extends Base {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "tasks needs a command: list, get, cancel or download");
        }
    }

    /** A command that asks a running API. */
    abstract static class RemoteCommand extends Base {
        final Launcher launcher;
        @Mixin
        RemoteOptions remote;

        RemoteCommand(Launcher launcher) {
            this.launcher = launcher;
        }
    }

    @Command(name = "list", description = "Your tasks, newest first: the API's page {object: list, data, next_cursor}.", footer = EXIT_CODES)
    static final class TasksList extends RemoteCommand {
        @Option(names = "--status", paramLabel = "STATUS", description = "Only tasks in this status (pending, processing, completed, failed, cancelled).")
        String status;
        @Option(names = "--limit", paramLabel = "N", description = "1 to 100 (the API's default 20).")
        Integer limit;
        @Option(names = "--cursor", paramLabel = "CURSOR", description = "The previous page's next_cursor.")
        String cursor;

        TasksList(Launcher launcher) {
            super(launcher);
        }

        @Override
        public Integer call() throws Exception {
            RemoteApi api = remote.api(launcher);
            return printAnswer(launcher, "GET /v1/tasks", api.get("/v1/tasks",
                    RemoteApi.query("status", status, "limit", limit == null ? null : limit.toString(), "cursor", cursor)));
        }
    }

    @Command(name = "get", description = "One task: the API's task object.", footer = EXIT_CODES)
    static final class TasksGet extends RemoteCommand {
        @Parameters(paramLabel = "ID", description = "The task's id.")
        String id;

        TasksGet(Launcher launcher) {
            super(launcher);
        }

        @Override
        public Integer call() throws Exception {
            return printAnswer(launcher, "GET /v1/tasks/" + id, remote.api(launcher).get("/v1/tasks/" + segment(id)));
        }
    }

    @Command(name = "cancel", description = "Cancel a pending or processing task; prints the task as the API answers it.", footer = EXIT_CODES)
    static final class TasksCancel extends RemoteCommand {
        @Parameters(paramLabel = "ID", description = "The task's id.")
        String id;

        TasksCancel(Launcher launcher) {
            super(launcher);
        }

        @Override
        public Integer call() throws Exception {
            return printAnswer(launcher, "POST /v1/tasks/" + id + "/cancel", remote.api(launcher).post("/v1/tasks/" + segment(id) + "/cancel", ""));
        }
    }

    @Command(name = "download", description = {"Download a completed task's video to DIR/ID.mp4.",
            "Prints the task with \"file\", the video's path. A failed or cancelled task exits 1; one not ended yet is refused (2)."}, footer = EXIT_CODES)
    static final class TasksDownload extends RemoteCommand {
        @Parameters(paramLabel = "ID", description = "The task's id.")
        String id;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "videos", description = "Where the video is saved (default videos).")
        String out;

        TasksDownload(Launcher launcher) {
            super(launcher);
        }

        @Override
        public Integer call() throws Exception {
            RemoteApi api = remote.api(launcher);
            RemoteApi.Answer answer = api.get("/v1/tasks/" + segment(id));
            if (!answer.ok()) {
                return answerNotOk(launcher, "GET /v1/tasks/" + id, answer);
            }
            JsonNode task = Launcher.json().readTree(answer.body());
            String status = task.path("status").asText();
            if (!status.equals("completed")) {
                launcher.stdout.println(oneLine(answer.body()));
                launcher.stderr.println("reelay: task " + id + " is " + status + ", so it has no video"
                        + (ended(status) ? "." : " yet; try again once it completed."));
                return ended(status) ? Launcher.TASK_FAILED : Launcher.REFUSED;
            }
            Path video = Launcher.downloadVideo(api, task, Path.of(out).toAbsolutePath());
            launcher.stderr.println("Video: " + video);
            launcher.stdout.println(Launcher.withFile(oneLine(answer.body()), video));
            return Launcher.DONE;
        }
    }

    @Command(name = "usage", description = "The API key's usage of a month and its budget: GET /v1/usage's object.", footer = EXIT_CODES)
    static final class Usage extends RemoteCommand {
        @Option(names = "--month", paramLabel = "YYYY-MM", description = "The month (UTC; default this month).")
        String month;

        Usage(Launcher launcher) {
            super(launcher);
        }

        @Override
        public Integer call() throws Exception {
            return printAnswer(launcher, "GET /v1/usage", remote.api(launcher).get("/v1/usage", RemoteApi.query("month", month)));
        }
    }

    @Command(name = "completion", description = {"Print a bash completion script for reelay.",
            "picocli's AutoComplete; use it with: source <(./reelay completion)"}, footer = EXIT_CODES)
    static final class Completion extends Base {
        private final Launcher launcher;
        @Spec
        CommandLine.Model.CommandSpec spec;

        Completion(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() {
            launcher.stdout.print(AutoComplete.bash("reelay", spec.root().commandLine()));
            return Launcher.DONE;
        }
    }
}
