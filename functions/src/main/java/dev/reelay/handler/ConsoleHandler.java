package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.ServeConsole;
import dev.reelay.domain.error.NotFoundException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /} and {@code GET /console/{file}}: the web console (docs/console.md), from the jar. Needs no
 * key: the page asks for one and sends it to the API itself. Every answer carries the console's
 * Content-Security-Policy and the headers that keep it out of frames and sniffing.
 */
public final class ConsoleHandler extends ApiHandler {
    public static final String ROOT = "/";
    public static final String FILES = "/console/{file}";
    private final ServeConsole console;

    public ConsoleHandler() {
        this(AwsFunctions.WIRING.serveConsole());
    }

    public ConsoleHandler(ServeConsole console) {
        this.console = console;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String file = ("GET " + ROOT).equals(event.getRouteKey()) ? ServeConsole.INDEX
                : Optional.ofNullable(event.getPathParameters()).map(p -> p.get("file")).orElse(null);
        Optional<ServeConsole.Asset> asset = console.asset(file);
        if (asset.isEmpty()) {
            APIGatewayV2HTTPResponse missing = HttpExchange.error(new NotFoundException("console_file_not_found",
                    "The console has no such file."), log, "GET " + FILES);
            missing.setHeaders(headers("application/json"));
            return missing;
        }
        ServeConsole.Asset found = asset.get();
        Map<String, String> headers = headers(found.contentType());
        headers.put("ETag", found.etag());
        String seen = event.getHeaders() == null ? null : event.getHeaders().get("if-none-match");
        if (found.etag().equals(seen)) {
            return APIGatewayV2HTTPResponse.builder().withStatusCode(304).withHeaders(headers).build();
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200).withHeaders(headers)
                .withBody(new String(found.body(), StandardCharsets.UTF_8)).build();
    }

    private Map<String, String> headers(String contentType) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", contentType);
        // Revalidated on every load (a 304 by ETag): the files have no versioned names, and a page must
        // never run with the script of an older deployment.
        headers.put("Cache-Control", "no-cache");
        headers.put("Content-Security-Policy", console.contentSecurityPolicy());
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("X-Frame-Options", "DENY");
        return headers;
    }
}
