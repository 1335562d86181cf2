package dev.reelay.local.backend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The pieces of the LocalStack bridge that need no Docker: the forwarder function's code and zip
 * ({@code src/test/resources/localstack-bridge/index.js}), which functions a state machine needs, and
 * SAM's {@code DefinitionSubstitutions} applied as the local glue applies them.
 */
final class LambdaBridge {
    static final String SOURCE = "/localstack-bridge/index.js";
    static final String RUNTIME = "nodejs22.x";
    static final String HANDLER = "index.handler";
    /** Where the forwarder finds the local Lambda endpoint, e.g. {@code http://172.17.0.3:41234}. */
    static final String BRIDGE_VARIABLE = "REELAY_LAMBDA_BRIDGE";
    /** Which function of the local endpoint the forwarder stands for. */
    static final String TARGET_VARIABLE = "REELAY_TARGET_FUNCTION";

    private static final Pattern FUNCTION_ARN = Pattern.compile("^arn:aws:lambda:[^:]+:[^:]+:function:([^:]+)$");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private LambdaBridge() {
    }

    static String forwarderSource() {
        try (InputStream in = LambdaBridge.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("No " + SOURCE + " on the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The deployment package: {@code index.js} alone. */
    static byte[] forwarderZip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.js"));
            zip.write(forwarderSource().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The names of the Lambda functions among the substitutions' values (function ARNs, unqualified). */
    static SortedSet<String> functionNames(Map<String, String> substitutions) {
        SortedSet<String> names = new TreeSet<>();
        for (String value : substitutions.values()) {
            Matcher arn = FUNCTION_ARN.matcher(value);
            if (arn.matches()) {
                names.add(arn.group(1));
            }
        }
        return names;
    }

    /** Every {@code ${Name}} replaced by its substitution; one without a substitution is an error, as in the glue. */
    static String substitute(String definition, Map<String, String> substitutions) {
        StringBuilder out = new StringBuilder();
        TreeSet<String> missing = new TreeSet<>();
        Matcher placeholder = PLACEHOLDER.matcher(definition);
        while (placeholder.find()) {
            String value = substitutions.get(placeholder.group(1));
            if (value == null) {
                missing.add(placeholder.group());
            }
            placeholder.appendReplacement(out, Matcher.quoteReplacement(value == null ? placeholder.group() : value));
        }
        placeholder.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("No substitution for placeholder(s) " + String.join(", ", missing));
        }
        return out.toString();
    }
}
