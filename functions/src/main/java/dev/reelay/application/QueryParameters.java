package dev.reelay.application;

import dev.reelay.domain.error.InvalidRequestException;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The query string of a GET route: only the parameters it takes, or a 400 {@code unknown_parameter} naming one it does not. */
final class QueryParameters {
    private QueryParameters() {
    }

    /**
     * @param parameters API Gateway's query parameters, null for none
     * @param takes      what the route takes, for the refusal: {@code GET /v1/tasks takes limit, status and cursor}
     * @return the parameters, never null
     */
    static Map<String, String> checked(Map<String, String> parameters, Set<String> known, String takes) {
        Map<String, String> query = parameters == null ? Map.of() : parameters;
        Set<String> unknown = new TreeSet<>(query.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            throw new InvalidRequestException(name, "unknown_parameter", "Unknown query parameter '" + name + "'; " + takes + ".");
        }
        return query;
    }
}
