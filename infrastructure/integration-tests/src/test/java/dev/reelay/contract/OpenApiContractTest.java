package dev.reelay.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.handler.OpenApiDocumentHandler;
import dev.reelay.local.LocalRuntime;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code openapi.yaml} describes the whole public API: every route the API serves and every error
 * code Reelay can answer with or record on a failed task, and nothing else. The codes are read
 * from the source: each code handed to one of Reelay's exceptions or failures must be a literal
 * (or a parameter passing one on), so none can escape this check.
 */
class OpenApiContractTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path REPO = RepoRoot.find();
    private static final Pattern REELAY_EXCEPTION = Pattern.compile("class (\\w+) extends ReelayException");
    private static final Pattern CALL = Pattern.compile("new (\\w+)\\(|\\b([a-z]\\w*)\\(");
    /** A method that takes a code to pass on: {@code boundedText(Map<?, ?> fields, String name, String code)}. */
    private static final Pattern FORWARDER = Pattern.compile("\\b([a-z]\\w*)\\(([^()]*\\bString code\\b[^()]*)\\)\\s*\\{");
    private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9_]*)\"");
    private static final Pattern FORWARDED = Pattern.compile("(\\w+\\s+)?(\\w+(\\(\\))?\\.)*code(\\(\\))?");
    /**
     * Codes read back, not made: FailureReason parses one out of a Reelay exception's message, the
     * task store reads a recorded one. Both are literals where they were made.
     */
    private static final Set<String> PASSED_THROUGH = Set.of("coded.group(1)", "str(item, \"failureCode\")");
    private static final Pattern FIXED_CODE = Pattern.compile("super\\(\"([a-z][a-z0-9_]*)\"");
    private static final Pattern DECLARED_PARAMETER = Pattern.compile("(final\\s+)?[A-Za-z][\\w.<>?\\[\\]]*\\s+[a-z]\\w*");
    private static final Pattern ANSWERED_CODE = Pattern.compile("(?:Map\\.of\\(|put\\()\"code\",\\s*\"([a-z][a-z0-9_]*)\"");
    private static final Pattern EITHER = Pattern.compile("[^\"]*\\?\\s*\"([a-z][a-z0-9_]*)\"\\s*:\\s*\"([a-z][a-z0-9_]*)\"");

    /** The document's routes as API Gateway writes route keys: {@code GET /v1/tasks/{id}}. */
    static Set<String> documentedRoutes() throws IOException {
        Set<String> documented = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> paths = document().path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey()));
        }
        return documented;
    }

    static JsonNode document() throws IOException {
        return YAML.readTree(OpenApiDocumentHandler.document());
    }

    @Test
    void theDocumentIsTheOneInTheSourceTree() throws IOException {
        assertThat(OpenApiDocumentHandler.document())
                .isEqualTo(Files.readString(REPO.resolve("functions/src/main/resources/openapi.yaml")));
        assertThat(document().path("openapi").asText()).startsWith("3.");
    }

    @Test
    void everyErrorCodeInTheCodeIsDocumentedAndTheReverse() throws IOException {
        Set<String> documented = new TreeSet<>();
        document().at("/components/schemas/ErrorCode/enum").forEach(code -> documented.add(code.asText()));
        List<String> dynamic = new ArrayList<>();
        Set<String> inCode = codesInSources(dynamic);

        assertThat(dynamic).as("codes must be literals, so that they can be documented and checked").isEmpty();
        assertThat(inCode).as("codes in the code but not in openapi.yaml").isSubsetOf(documented);
        assertThat(documented).as("codes in openapi.yaml that nothing produces").isSubsetOf(inCode);
        assertThat(inCode).contains("image_too_small", "task_not_found", "provider_content_policy", "internal_error");
    }

    @Test
    void everyRouteServedIsDocumentedAndTheReverseAndTheDocumentIsServedWithoutAKey() throws Exception {
        Set<String> documented = documentedRoutes();
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Settings.forTests())) {
            assertThat(new TreeSet<>(runtime.apiRoutes())).isEqualTo(documented);

            HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    runtime.apiBaseUrl().resolve("/openapi.yaml")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/yaml"));
            assertThat(served.body()).isEqualTo(OpenApiDocumentHandler.document());
        }
    }

    @Test
    void theTemplatesRoutesAreTheDocumentedRoutes() throws IOException {
        Set<String> documented = documentedRoutes();
        CloudFormationTemplate template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
        Set<String> deployed = new TreeSet<>();
        template.resourcesOfType("AWS::Serverless::Function").values().forEach(function ->
                CloudFormationTemplate.map(function.get("Events")).values().forEach(event -> {
                    Map<String, Object> e = CloudFormationTemplate.map(event);
                    if ("HttpApi".equals(e.get("Type"))) {
                        Map<String, Object> route = CloudFormationTemplate.map(e.get("Properties"));
                        deployed.add(route.get("Method").toString().toUpperCase(Locale.ROOT) + " " + route.get("Path"));
                    }
                }));
        assertThat(deployed).isEqualTo(documented);
    }

    /** Every code given to a Reelay exception, a {@code Failure}, an {@code invalid(...)} helper or written into an answer. */
    static Set<String> codesInSources(List<String> dynamic) throws IOException {
        List<Path> sources = new ArrayList<>();
        for (Path root : List.of(REPO.resolve("functions/src/main/java"), REPO.resolve("infrastructure/local-stack/src/main/java/dev/reelay/local"))) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/sandbox/")).forEach(sources::add);
            }
        }
        Set<String> reelayExceptions = new TreeSet<>();
        Set<String> codes = new TreeSet<>();
        for (Path source : sources) {
            String text = Files.readString(source);
            Matcher declared = REELAY_EXCEPTION.matcher(text);
            while (declared.find()) {
                if (text.contains("String code")) {
                    reelayExceptions.add(declared.group(1));
                } else {
                    // An exception of one fixed code, e.g. QuotaExceededException: its code is in its constructor.
                    Matcher fixed = FIXED_CODE.matcher(text);
                    while (fixed.find()) {
                        codes.add(fixed.group(1));
                    }
                }
            }
        }
        reelayExceptions.remove("ProviderException"); // its codes come from its kinds, below
        for (ProviderErrorKind kind : ProviderErrorKind.values()) {
            codes.add(new ProviderException("any", kind, 0, null, "-").code());
        }
        for (Path source : sources) {
            String text = Files.readString(source);
            // Helpers that take a code to pass on, e.g. boundedText(..., String code): their callers
            // in the same file give the literal. Vendor adapters pass vendors' own codes: not ours.
            Map<String, Integer> forwarders = new java.util.HashMap<>();
            Matcher declared = FORWARDER.matcher(source.toString().contains("/adapter/provider/") ? "" : text);
            while (declared.find()) {
                // Parameters split at commas outside generics: Map<?, ?> is one parameter.
                List<String> parameters = List.of(declared.group(2).replaceAll("<[^<>]*>", "<>").split(","));
                forwarders.put(declared.group(1), parameters.stream().map(String::trim).toList().indexOf("String code"));
            }
            Matcher call = CALL.matcher(text);
            while (call.find()) {
                String callee = call.group(1) != null ? call.group(1) : call.group(2);
                int position;
                if (callee.equals("InvalidRequestException")) {
                    position = 1;
                } else if (reelayExceptions.contains(callee) || callee.equals("Failure")) {
                    position = 0;
                } else if (forwarders.containsKey(callee)) {
                    position = forwarders.get(callee);
                } else {
                    continue;
                }
                List<String> arguments = arguments(text, call.end());
                if (arguments.size() <= position) {
                    continue; // e.g. a constructor declaration without that parameter
                }
                String argument = arguments.get(position).trim();
                if (DECLARED_PARAMETER.matcher(argument).matches()) {
                    continue; // the method's own declaration, not a call
                }
                Matcher literal = LITERAL.matcher(argument);
                Matcher either = EITHER.matcher(argument);
                if (literal.matches()) {
                    codes.add(literal.group(1));
                } else if (either.matches()) {
                    codes.add(either.group(1));
                    codes.add(either.group(2));
                } else if (!FORWARDED.matcher(argument).matches() && !PASSED_THROUGH.contains(argument)) {
                    dynamic.add(REPO.relativize(source) + ": " + callee + "(… " + argument + " …)");
                }
            }
            Matcher answered = ANSWERED_CODE.matcher(text);
            while (answered.find()) {
                codes.add(answered.group(1));
            }
        }
        return codes;
    }

    /** The top-level arguments of a call whose opening parenthesis ends at {@code from}. */
    private static List<String> arguments(String text, int from) {
        List<String> arguments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                current.append(c);
                if (c == '\\') {
                    current.append(text.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '"') {
                inString = true;
            } else if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                if (depth == 0) {
                    if (!current.toString().isBlank()) {
                        arguments.add(current.toString());
                    }
                    return arguments;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                arguments.add(current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        return arguments;
    }

}
