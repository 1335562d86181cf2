package dev.reelay.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.dynamodb.DynamoDbApiKeys;
import dev.reelay.adapter.dynamodb.DynamoDbBudgets;
import dev.reelay.adapter.dynamodb.DynamoDbTaskUsages;
import dev.reelay.adapter.dynamodb.DynamoDbWebhookSecrets;
import dev.reelay.application.GetUsage;
import dev.reelay.application.UsageRepresentation;
import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.usage.MonthlyUsage;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.Budgets;
import dev.reelay.port.WebhookSecrets;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code ./reelay keys create|list|revoke|usage|webhook-secret}: manages the API keys of the local
 * stack, or with {@code --table NAME [--region R]} of a deployed stack's table (default AWS credentials).
 * {@code keys create --name NAME [--monthly-budget-usd AMOUNT] [--max-concurrency N]} gives the
 * key an optional monthly budget and an optional cap of its own on the vendor slots it may hold at
 * once (a whole number of at least 1); both options go only with {@code create}.
 * {@code keys usage --name NAME [--month YYYY-MM]} prints the key's usage of a month (this month,
 * UTC, by default) and its budget: the object {@code GET /v1/usage} answers that key with.
 * {@code keys webhook-secret --name NAME [--rotate]} shows the key's webhook signing secret, or
 * replaces it with a new one.
 * <p>
 * Locally only one process opens the state directory's database ({@link StateDirectory}): while a
 * stack runs ({@code serve}, or a local {@code generate}) the command is sent to it and run there,
 * on its database client ({@link #runOnStack}); otherwise this process takes the directory's lock
 * and starts DynamoDB Local on the database itself. Either way it prints the same lines.
 * <p>
 * A write is read back (consistently) before it is reported: a command that prints a key and exits
 * 0 has stored it. Standard output carries one JSON line per key; secrets are printed by
 * {@code create} and {@code webhook-secret} only.
 * Exit codes: 0 done; 1 a write that could not be read back; 2 refused (a bad name, budget,
 * concurrency cap or month, a name taken, no such key); 3 the database (or the running stack) failed
 * or could not be reached.
 */
final class KeysCommand {
    static final int REFUSED = 2;
    static final int WRITE_NOT_CONFIRMED = 1;
    static final int UNAVAILABLE = 3;
    static final List<String> COMMANDS = List.of("create", "list", "revoke", "usage", "webhook-secret");
    /** How long a command waits for another process that holds the state directory (a stack starting, another keys command). */
    static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final List<String> OPTIONS = List.of("name", "monthly-budget-usd", "max-concurrency", "month", "rotate", "table", "region");
    /** The options that only {@code keys create} takes. */
    private static final List<String> CREATE_ONLY = List.of("monthly-budget-usd", "max-concurrency");

    /** The option that only {@code keys usage} takes. */
    private static final String MONTH = "month";
    /** The flag that only {@code keys webhook-secret} takes. */
    private static final String ROTATE = "rotate";

    /** Where the keys are. */
    private record Target(ApiKeys keys, WebhookSecrets webhookSecrets, Budgets budgets, GetUsage usage) {
    }

    /** A command line, checked: everything refused was refused before any database was opened. */
    private record Request(String command, Launcher.Options options, String name, BigDecimal budget, Integer maxConcurrency,
                           YearMonth month) {
    }

    /** A write that reading back did not confirm: nothing is reported as done. */
    static final class WriteNotConfirmed extends RuntimeException {
        WriteNotConfirmed(String message) {
            super(message);
        }
    }

    /** Amounts as plain decimals (25, not 2.5E+1). Databind loads on first use: a command sent to a running stack never needs it. */
    private static final class Lines {
        static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    }

    private KeysCommand() {
    }

    /** The command line's {@code keys}: on a deployed table, through the running stack, or on the local database itself. */
    static int run(Deque<String> args, Path stateDir, PrintStream stdout, PrintStream stderr) throws Exception {
        List<String> asGiven = List.copyOf(args);
        Request request;
        try {
            request = parse(args);
        } catch (InvalidRequestException refused) {
            stderr.println("reelay keys " + asGiven.get(0) + ": " + refused.getMessage());
            return REFUSED;
        }
        Optional<String> table = request.options().optional("table");
        if (table.isPresent()) {
            // A deployed stack's table, with the default AWS credentials and region (or --region).
            var builder = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create());
            request.options().optional("region").ifPresent(region -> builder.region(Region.of(region)));
            try (DynamoDbClient client = builder.build()) {
                return execute(request, target(client, table.get()), stderr, stdout);
            }
        }
        long began = System.nanoTime();
        while (true) {
            StateDirectory.Access access = StateDirectory.await(stateDir, PATIENCE, stderr);
            if (access.stack() != null) {
                OptionalInt exit = KeysThroughStack.run(access.stack(), asGiven, stdout, stderr);
                if (exit.isPresent()) {
                    return exit.getAsInt();
                }
                // The stack is stopping (it refused the connection): once it has, the lock is free.
                if (System.nanoTime() - began > PATIENCE.toNanos()) {
                    throw new RemoteApi.Unavailable("the running stack (pid " + access.stack().pid() + ") refuses connections at "
                            + access.stack().adminUrl() + " but still holds " + stateDir, null);
                }
                Thread.sleep(100);
                continue;
            }
            try (StateDirectory.Ownership owned = access.ownership(); LocalDynamoDb dynamo = LocalDynamoDb.start(stateDir.resolve("dynamodb"))) {
                dynamo.createTasksTable(LocalRuntime.TASKS_TABLE);
                return execute(request, target(dynamo.client(), LocalRuntime.TASKS_TABLE), stderr, stdout);
            }
        }
    }

    /**
     * A command another process sent to the running stack ({@link KeysAdminEndpoint}), on the stack's
     * own client: every outcome is an exit code and lines, as the command line would have told them.
     */
    static int runOnStack(Deque<String> args, DynamoDbClient dynamo, String table, PrintStream stdout, PrintStream stderr) {
        String command = args.isEmpty() ? "" : args.peekFirst();
        try {
            Request request = parse(args);
            if (request.options().optional("table").isPresent()) {
                throw new Launcher.UsageException("--table is not sent to the running stack");
            }
            return execute(request, target(dynamo, table), stderr, stdout);
        } catch (Launcher.UsageException usage) {
            stderr.println("reelay: " + usage.getMessage());
            stderr.println("Try 'reelay keys " + command + " --help'.");
            return REFUSED;
        } catch (InvalidRequestException refused) {
            stderr.println("reelay keys " + command + ": " + refused.getMessage());
            return REFUSED;
        } catch (RuntimeException unexpected) {
            stderr.println("reelay: " + unexpected);
            return Launcher.TASK_FAILED;
        }
    }

    private static Request parse(Deque<String> args) {
        if (args.isEmpty()) {
            throw new Launcher.UsageException("keys needs a command: create, list, revoke, usage or webhook-secret");
        }
        String command = args.pop();
        Launcher.Options options = Launcher.Options.parse(args, OPTIONS);
        if (!COMMANDS.contains(command)) {
            throw new Launcher.UsageException("unknown keys command '" + command + "'");
        }
        if (options.optional("region").isPresent() && options.optional("table").isEmpty()) {
            throw new Launcher.UsageException("--region goes with --table");
        }
        for (String option : CREATE_ONLY) {
            if (!command.equals("create") && options.optional(option).isPresent()) {
                throw new Launcher.UsageException("--" + option + " goes with keys create");
            }
        }
        if (!command.equals("usage") && options.optional(MONTH).isPresent()) {
            throw new Launcher.UsageException("--" + MONTH + " goes with keys usage");
        }
        if (!command.equals("webhook-secret") && options.flag(ROTATE)) {
            throw new Launcher.UsageException("--" + ROTATE + " goes with keys webhook-secret");
        }
        String name = command.equals("list") ? null : options.required("name");
        BigDecimal budget = command.equals("create") ? ApiKeySecrets.checkBudget(budget(options).orElse(null)) : null;
        Integer maxConcurrency = command.equals("create") ? maxConcurrency(options) : null;
        if (command.equals("create")) {
            ApiKeySecrets.checkName(name);
        }
        YearMonth month = options.optional(MONTH).map(text -> MonthlyUsage.parseMonth(text, "--" + MONTH)).orElse(null);
        return new Request(command, options, name, budget, maxConcurrency, month);
    }

    /** The command on its target; a refusal is exit 2, a database that failed exit 3, a write not read back exit 1. */
    private static int execute(Request request, Target target, PrintStream stderr, PrintStream stdout) throws RuntimeException {
        String command = request.command();
        try {
            return switch (command) {
                case "create" -> create(target, request.name(), request.budget(), request.maxConcurrency(), stdout, stderr);
                case "list" -> list(target, stdout);
                case "usage" -> usage(target, request.name(), request.month(), stdout, stderr);
                case "webhook-secret" -> webhookSecret(target, request.name(), request.options().flag(ROTATE), stdout, stderr);
                default -> revoke(target, request.name(), stdout, stderr);
            };
        } catch (InvalidRequestException | ConflictException refused) {
            stderr.println("reelay keys " + command + ": " + refused.getMessage());
            return REFUSED;
        } catch (WriteNotConfirmed notConfirmed) {
            stderr.println("reelay keys " + command + ": " + notConfirmed.getMessage());
            return WRITE_NOT_CONFIRMED;
        } catch (SdkException failed) {
            stderr.println("reelay keys " + command + ": unavailable: the database failed" + (command.equals("list") || command.equals("usage")
                    ? "" : " and nothing is reported as done ('reelay keys list' tells what is stored)") + ": " + failed.getMessage());
            return UNAVAILABLE;
        }
    }

    private static Optional<BigDecimal> budget(Launcher.Options options) {
        return options.optional("monthly-budget-usd").map(text -> {
            try {
                return new BigDecimal(text);
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("monthly_budget_usd", "invalid_budget",
                        "--monthly-budget-usd takes an amount of US dollars, such as 25 or 12.50, not '" + text + "'.");
            }
        });
    }

    /** {@code --max-concurrency}, checked; null when not given. */
    private static Integer maxConcurrency(Launcher.Options options) {
        Integer cap = options.optional("max-concurrency").map(text -> {
            try {
                return Integer.valueOf(text);
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("max_concurrency", "invalid_max_concurrency",
                        "--max-concurrency takes a whole number of at least 1, such as 4, not '" + text + "'.");
            }
        }).orElse(null);
        ApiKeySecrets.checkMaxConcurrency(cap);
        return cap;
    }

    /** A key's own concurrency cap for a JSON line: null when it has none. */
    private static Integer maxConcurrency(ApiKey key) {
        return key.maxConcurrency().isPresent() ? key.maxConcurrency().getAsInt() : null;
    }

    /**
     * The webhook secret first, read back, then the key, read back by its name and by its secret: a
     * key that exists always has its secret, and nothing is printed unless both are stored. A failed
     * key leaves at most a secret nobody saw, which the name's eventual key adopts.
     */
    private static int create(Target target, String name, BigDecimal budget, Integer maxConcurrency, PrintStream stdout, PrintStream stderr) {
        if (target.keys().findByName(name).isPresent()) {
            throw new ConflictException("key_name_taken", "An API key named '" + name + "' exists or existed; names are never reused.");
        }
        WebhookSecrets.CreatedSecret webhook = target.webhookSecrets().ensure(name);
        if (!target.webhookSecrets().find(name).equals(Optional.of(webhook.secret()))) {
            throw new WriteNotConfirmed("the webhook signing secret of '" + name + "' was written but reading it back did not find it;"
                    + " no key was created. Try again.");
        }
        ApiKeys.CreatedApiKey created = target.keys().create(name, budget, maxConcurrency);
        if (target.keys().findByName(name).isEmpty()) {
            throw new WriteNotConfirmed("the API key '" + name + "' was written but reading it back found nothing; it was not created. Try again.");
        }
        if (!target.keys().findBySecret(created.secret()).map(key -> key.name().equals(name)).orElse(false)) {
            throw new WriteNotConfirmed("the API key '" + name + "' was written but its secret does not resolve to it; revoke it with"
                    + " 'reelay keys revoke --name " + name + "' and create another.");
        }
        ObjectNode line = Lines.JSON.createObjectNode();
        line.put("name", created.key().name());
        line.put("api_key", created.secret());
        line.put("monthly_budget_usd", created.key().monthlyBudgetUsd().map(BigDecimal::stripTrailingZeros).orElse(null));
        line.put("max_concurrency", maxConcurrency(created.key()));
        line.put("webhook_secret", webhook.secret());
        stdout.println(writeLine(line));
        stderr.println("Created the API key '" + name + "'. Keep it now: it is not shown again ('reelay keys webhook-secret --name "
                + name + "' shows its webhook signing secret again).");
        return 0;
    }

    /** Shows the key's webhook signing secret, or with {@code rotate} replaces it; no such key is refused. */
    private static int webhookSecret(Target target, String name, boolean rotate, PrintStream stdout, PrintStream stderr) {
        if (target.keys().findByName(name).isEmpty()) {
            stderr.println("reelay keys webhook-secret: there is no API key named '" + name + "'.");
            return REFUSED;
        }
        String secret = rotate ? target.webhookSecrets().rotate(name) : target.webhookSecrets().ensure(name).secret();
        if (!target.webhookSecrets().find(name).equals(Optional.of(secret))) {
            throw new WriteNotConfirmed("the webhook signing secret of '" + name + "' could not be read back"
                    + (rotate ? "; the old one may still be in use. Try again." : "."));
        }
        ObjectNode line = Lines.JSON.createObjectNode();
        line.put("name", name);
        line.put("webhook_secret", secret);
        line.put("rotated", rotate);
        stdout.println(writeLine(line));
        if (rotate) {
            stderr.println("Rotated the webhook signing secret of '" + name + "': every delivery attempt from now on, retries of earlier"
                    + " webhooks included, is signed with the new secret only.");
        }
        return 0;
    }

    private static String writeLine(Object line) {
        try {
            return Lines.JSON.writeValueAsString(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A JSON line could not be written", e);
        }
    }

    private static int list(Target target, PrintStream stdout) {
        String month = MonthlyBudget.monthOf(Instant.now());
        for (ApiKey key : target.keys().list()) {
            ObjectNode line = Lines.JSON.createObjectNode();
            line.put("name", key.name());
            line.put("created_at", key.createdAt().toString());
            line.put("monthly_budget_usd", key.monthlyBudgetUsd().orElse(null));
            line.put("max_concurrency", maxConcurrency(key));
            line.put("committed_usd_this_month", BigDecimal.valueOf(target.budgets().committed(key.name(), month), 6).stripTrailingZeros());
            line.put("active", key.active());
            line.put("revoked_at", key.revokedAt().map(Instant::toString).orElse(null));
            stdout.println(writeLine(line));
        }
        return 0;
    }

    private static int revoke(Target target, String name, PrintStream stdout, PrintStream stderr) {
        boolean revokedNow = target.keys().revoke(name);
        Optional<ApiKey> key = target.keys().findByName(name);
        if (key.isEmpty()) {
            stderr.println("reelay keys revoke: there is no API key named '" + name + "'.");
            return REFUSED;
        }
        if (key.get().revokedAt().isEmpty()) {
            throw new WriteNotConfirmed("the API key '" + name + "' was revoked but reading it back shows it active; it is not revoked. Try again.");
        }
        ObjectNode line = Lines.JSON.createObjectNode();
        line.put("name", name);
        line.put("revoked_at", key.get().revokedAt().map(Instant::toString).orElse(null));
        stdout.println(writeLine(line));
        stderr.println(revokedNow ? "Revoked the API key '" + name + "'; a running API may accept it for up to a minute more (the authorizer's cache)."
                : "The API key '" + name + "' was already revoked.");
        return 0;
    }

    /** The object GET /v1/usage answers the key with, on one line; no such key is refused. */
    private static int usage(Target target, String name, YearMonth month, PrintStream stdout, PrintStream stderr) {
        if (target.keys().findByName(name).isEmpty()) {
            stderr.println("reelay keys usage: there is no API key named '" + name + "'.");
            return REFUSED;
        }
        YearMonth asked = month != null ? month : target.usage().month(null);
        stdout.println(writeLine(UsageRepresentation.of(target.usage().usage(name, asked))));
        return 0;
    }

    private static Target target(DynamoDbClient client, String table) {
        SecureRandom random = new SecureRandom();
        ApiKeys keys = new DynamoDbApiKeys(client, table, random, Clock.systemUTC());
        Budgets budgets = new DynamoDbBudgets(client, table);
        return new Target(keys, new DynamoDbWebhookSecrets(client, table, random), budgets,
                new GetUsage(new DynamoDbTaskUsages(client, table), keys, budgets, Clock.systemUTC()));
    }
}
