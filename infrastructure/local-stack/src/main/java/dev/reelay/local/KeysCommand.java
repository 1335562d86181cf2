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
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./reelay keys create|list|revoke|usage}: manages the API keys of the local stack, or with
 * {@code --table NAME [--region R]} of a deployed stack's table (default AWS credentials).
 * {@code keys create --name NAME [--monthly-budget-usd AMOUNT] [--max-concurrency N]} gives the
 * key an optional monthly budget and an optional cap of its own on the vendor slots it may hold at
 * once (a whole number of at least 1); both options go only with {@code create}.
 * {@code keys usage --name NAME [--month YYYY-MM]} prints the key's usage of a month (this month,
 * UTC, by default) and its budget: the object {@code GET /v1/usage} answers that key with.
 * <p>
 * Locally it starts only DynamoDB Local on the state directory's database, which is quick and
 * works while {@code ./reelay serve} runs in another process: DynamoDB Local keeps the tables in
 * one SQLite file, which both processes read and write through SQLite's own locking, so a key
 * created here is accepted by the running stack at once.
 * <p>
 * Standard output carries one JSON line per key; secrets are printed once, by {@code create}.
 * Exit codes: 0 done, 2 refused (a bad name, budget, concurrency cap or month, a name taken, no such key).
 */
final class KeysCommand {
    static final int REFUSED = 2;
    /** Amounts as plain decimals (25, not 2.5E+1). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    private static final List<String> OPTIONS = List.of("name", "monthly-budget-usd", "max-concurrency", "month", "table", "region");
    /** The options that only {@code keys create} takes. */
    private static final List<String> CREATE_ONLY = List.of("monthly-budget-usd", "max-concurrency");

    /** The option that only {@code keys usage} takes. */
    private static final String MONTH = "month";

    /** Where the keys are: the tables and the clients to close afterwards. */
    private record Target(ApiKeys keys, WebhookSecrets webhookSecrets, Budgets budgets, GetUsage usage, AutoCloseable resource) {
    }

    private KeysCommand() {
    }

    static int run(Deque<String> args, Path stateDir, PrintStream stdout, PrintStream stderr) throws Exception {
        if (args.isEmpty()) {
            throw new Launcher.UsageException("keys needs a command: create, list, revoke or usage");
        }
        String command = args.pop();
        Launcher.Options options = Launcher.Options.parse(args, OPTIONS);
        if (!List.of("create", "list", "revoke", "usage").contains(command)) {
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
        String name = command.equals("list") ? null : options.required("name");
        try {
            // Refused input is told before any database starts.
            BigDecimal budget = command.equals("create") ? ApiKeySecrets.checkBudget(budget(options).orElse(null)) : null;
            Integer maxConcurrency = command.equals("create") ? maxConcurrency(options) : null;
            if (command.equals("create")) {
                ApiKeySecrets.checkName(name);
            }
            YearMonth month = options.optional(MONTH).map(text -> MonthlyUsage.parseMonth(text, "--" + MONTH)).orElse(null);
            Target target = open(options, stateDir);
            try (AutoCloseable closing = target.resource()) {
                return switch (command) {
                    case "create" -> create(target, name, budget, maxConcurrency, stdout, stderr);
                    case "list" -> list(target, stdout);
                    case "usage" -> usage(target, name, month, stdout, stderr);
                    default -> revoke(target, name, stdout, stderr);
                };
            }
        } catch (InvalidRequestException | ConflictException refused) {
            stderr.println("reelay keys " + command + ": " + refused.getMessage());
            return REFUSED;
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

    private static int create(Target target, String name, BigDecimal budget, Integer maxConcurrency, PrintStream stdout, PrintStream stderr)
            throws Exception {
        ApiKeys.CreatedApiKey created = target.keys().create(name, budget, maxConcurrency);
        WebhookSecrets.CreatedSecret webhook = target.webhookSecrets().ensure(name);
        ObjectNode line = JSON.createObjectNode();
        line.put("name", created.key().name());
        line.put("api_key", created.secret());
        line.put("monthly_budget_usd", created.key().monthlyBudgetUsd().map(BigDecimal::stripTrailingZeros).orElse(null));
        line.put("max_concurrency", maxConcurrency(created.key()));
        line.put("webhook_secret", webhook.secret());
        stdout.println(JSON.writeValueAsString(line));
        stderr.println("Created the API key '" + name + "'. Keep it and its webhook signing secret now: neither is shown again.");
        return 0;
    }

    private static int list(Target target, PrintStream stdout) throws Exception {
        String month = MonthlyBudget.monthOf(Instant.now());
        for (ApiKey key : target.keys().list()) {
            ObjectNode line = JSON.createObjectNode();
            line.put("name", key.name());
            line.put("created_at", key.createdAt().toString());
            line.put("monthly_budget_usd", key.monthlyBudgetUsd().orElse(null));
            line.put("max_concurrency", maxConcurrency(key));
            line.put("committed_usd_this_month", BigDecimal.valueOf(target.budgets().committed(key.name(), month), 6).stripTrailingZeros());
            line.put("active", key.active());
            line.put("revoked_at", key.revokedAt().map(Instant::toString).orElse(null));
            stdout.println(JSON.writeValueAsString(line));
        }
        return 0;
    }

    private static int revoke(Target target, String name, PrintStream stdout, PrintStream stderr) throws Exception {
        boolean revokedNow = target.keys().revoke(name);
        Optional<ApiKey> key = target.keys().findByName(name);
        if (key.isEmpty()) {
            stderr.println("reelay keys revoke: there is no API key named '" + name + "'.");
            return REFUSED;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("name", name);
        line.put("revoked_at", key.get().revokedAt().map(Instant::toString).orElse(null));
        stdout.println(JSON.writeValueAsString(line));
        stderr.println(revokedNow ? "Revoked the API key '" + name + "'; a running API may accept it for up to a minute more (the authorizer's cache)."
                : "The API key '" + name + "' was already revoked.");
        return 0;
    }

    /** The object GET /v1/usage answers the key with, on one line; no such key is refused. */
    private static int usage(Target target, String name, YearMonth month, PrintStream stdout, PrintStream stderr) throws Exception {
        if (target.keys().findByName(name).isEmpty()) {
            stderr.println("reelay keys usage: there is no API key named '" + name + "'.");
            return REFUSED;
        }
        YearMonth asked = month != null ? month : target.usage().month(null);
        stdout.println(JSON.writeValueAsString(UsageRepresentation.of(target.usage().usage(name, asked))));
        return 0;
    }

    private static Target open(Launcher.Options options, Path stateDir) throws Exception {
        Optional<String> table = options.optional("table");
        if (table.isPresent()) {
            // A deployed stack's table, with the default AWS credentials and region (or --region).
            var builder = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create());
            options.optional("region").ifPresent(region -> builder.region(Region.of(region)));
            DynamoDbClient client = builder.build();
            return target(client, table.get(), client);
        }
        LocalDynamoDb dynamo = LocalDynamoDb.start(stateDir.resolve("dynamodb"));
        try {
            dynamo.createTasksTable(LocalRuntime.TASKS_TABLE);
        } catch (RuntimeException e) {
            dynamo.close();
            throw e;
        }
        return target(dynamo.client(), LocalRuntime.TASKS_TABLE, dynamo);
    }

    private static Target target(DynamoDbClient client, String table, AutoCloseable resource) {
        SecureRandom random = new SecureRandom();
        ApiKeys keys = new DynamoDbApiKeys(client, table, random, Clock.systemUTC());
        Budgets budgets = new DynamoDbBudgets(client, table);
        return new Target(keys, new DynamoDbWebhookSecrets(client, table, random), budgets,
                new GetUsage(new DynamoDbTaskUsages(client, table), keys, budgets, Clock.systemUTC()), resource);
    }
}
