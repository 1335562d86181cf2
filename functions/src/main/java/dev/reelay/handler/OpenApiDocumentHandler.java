package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code GET /openapi.yaml}: the API's description, read once from the jar. Needs no key. */
public final class OpenApiDocumentHandler extends ApiHandler {
    public static final String RESOURCE = "/openapi.yaml";
    private static final String DOCUMENT = read();

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                .withHeaders(Map.of("Content-Type", "application/yaml; charset=utf-8", "Cache-Control", "max-age=300"))
                .withBody(DOCUMENT).build();
    }

    public static String document() {
        return DOCUMENT;
    }

    private static String read() {
        try (InputStream in = OpenApiDocumentHandler.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }
}
