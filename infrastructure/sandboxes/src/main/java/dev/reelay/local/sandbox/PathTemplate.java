package dev.reelay.local.sandbox;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A path such as {@code /v1/tasks/{id}} or {@code /v1/files/{id}.mp4}: each placeholder matches text without a slash. */
final class PathTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_]+)}");

    private final String template;
    private final Pattern pattern;
    private final List<String> names = new ArrayList<>();

    PathTemplate(String template) {
        this.template = template;
        StringBuilder regex = new StringBuilder();
        Matcher placeholder = PLACEHOLDER.matcher(template);
        int literalStart = 0;
        while (placeholder.find()) {
            regex.append(Pattern.quote(template.substring(literalStart, placeholder.start()))).append("([^/]+)");
            names.add(placeholder.group(1));
            literalStart = placeholder.end();
        }
        this.pattern = Pattern.compile(regex.append(Pattern.quote(template.substring(literalStart))).toString());
    }

    /** The placeholders' values, when path matches. */
    Optional<Map<String, String>> match(String path) {
        Matcher matcher = pattern.matcher(path);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            values.put(names.get(i), matcher.group(i + 1));
        }
        return Optional.of(values);
    }

    String expand(String name, String value) {
        if (!names.contains(name)) {
            throw new IllegalArgumentException(template + " has no {" + name + "}");
        }
        return template.replace("{" + name + "}", value);
    }
}
