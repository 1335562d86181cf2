package dev.reelay.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * A {@code keys} command sent to the running stack that owns {@code .reelay/} ({@link StateDirectory}),
 * which runs it with its own database client ({@link KeysAdminEndpoint}) and answers its exit code and
 * the very lines it printed. Plain {@link HttpURLConnection} and jackson-core: nothing of the stack loads.
 */
final class KeysThroughStack {
    private static final JsonFactory JSON = new JsonFactory();
    /** Longer than any keys command takes on a busy machine; the stack answers well before. */
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    private KeysThroughStack() {
    }

    /**
     * Runs the command there and prints what it printed; empty when the stack refused the connection
     * (it has stopped: the caller looks at {@code .reelay/} again). Once the command was sent, a
     * failure is unavailable: the stack may or may not have done it.
     */
    static OptionalInt run(StateDirectory.RunningStack stack, List<String> args, PrintStream stdout, PrintStream stderr) {
        HttpURLConnection connection;
        byte[] body;
        try {
            body = request(args);
            connection = (HttpURLConnection) stack.adminUrl().resolve(KeysAdminEndpoint.PATH).toURL().openConnection();
            connection.setConnectTimeout(2_000);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("Authorization", "Bearer " + stack.token());
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setFixedLengthStreamingMode(body.length);
            connection.connect();
        } catch (ConnectException stopped) {
            return OptionalInt.empty();
        } catch (IOException e) {
            throw new RemoteApi.Unavailable("cannot reach the running stack (pid " + stack.pid() + ") at " + stack.adminUrl() + ": " + e, e);
        }
        try {
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status = connection.getResponseCode();
            if (status != 200) {
                throw new RemoteApi.Unavailable("the running stack (pid " + stack.pid() + ") answered HTTP " + status
                        + " to the keys command: " + readAll(connection.getErrorStream()), null);
            }
            return OptionalInt.of(printAnswer(readAll(connection.getInputStream()), stdout, stderr));
        } catch (IOException e) {
            throw new RemoteApi.Unavailable("the running stack (pid " + stack.pid() + ") did not answer the keys command (" + e
                    + "); it may or may not have been done: 'reelay keys list' tells", e);
        } finally {
            connection.disconnect();
        }
    }

    private static byte[] request(List<String> args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeArrayFieldStart("args");
            for (String arg : args) {
                json.writeString(arg);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        return bytes.toByteArray();
    }

    /** {@code {"exit": N, "stdout": "...", "stderr": "..."}}: printed as the command printed it; its exit code. */
    private static int printAnswer(String answer, PrintStream stdout, PrintStream stderr) throws IOException {
        Integer exit = null;
        String out = "";
        String err = "";
        try (JsonParser parser = JSON.createParser(answer)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object: " + answer);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "exit" -> exit = parser.getIntValue();
                    case "stdout" -> out = parser.getText();
                    case "stderr" -> err = parser.getText();
                    default -> parser.skipChildren();
                }
            }
        }
        if (exit == null) {
            throw new IOException("the answer has no exit code");
        }
        stdout.print(out);
        stdout.flush();
        stderr.print(err);
        stderr.flush();
        return exit;
    }

    private static String readAll(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
