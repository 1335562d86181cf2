package dev.reelay.contract;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.Constructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code template.yaml} as plain maps and lists, with CloudFormation's short tags turned into their
 * long forms: {@code !Ref X} is {@code {"Ref": "X"}}, {@code !GetAtt A.B} is
 * {@code {"Fn::GetAtt": ["A", "B"]}}, {@code !Sub s} is {@code {"Fn::Sub": s}}, and so on.
 */
record CloudFormationTemplate(Map<String, Object> root) {
    private static final List<String> TAGS = List.of("Ref", "Condition", "GetAtt", "Sub", "Join", "If", "Equals", "Not",
            "And", "Or", "Select", "Split", "FindInMap", "GetAZs", "ImportValue", "Base64", "Cidr");

    static CloudFormationTemplate load(Path path) throws IOException {
        LoaderOptions options = new LoaderOptions();
        Constructor constructor = new Constructor(options) {
            {
                for (String name : TAGS) {
                    yamlConstructors.put(new Tag("!" + name), new AbstractConstruct() {
                        @Override
                        public Object construct(Node node) {
                            Object value = node instanceof ScalarNode scalar ? constructScalar(scalar)
                                    : node instanceof SequenceNode sequence ? constructSequence(sequence)
                                    : constructMapping((MappingNode) node);
                            if (name.equals("GetAtt") && value instanceof String dotted) {
                                value = List.of(dotted.split("\\.", 2));
                            }
                            return Map.of(name.equals("Ref") || name.equals("Condition") ? name : "Fn::" + name, value);
                        }
                    });
                }
            }
        };
        try (Reader reader = Files.newBufferedReader(path)) {
            return new CloudFormationTemplate(new Yaml(constructor).load(reader));
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> resources() {
        return (Map<String, Map<String, Object>>) root.get("Resources");
    }

    /** The resources of one type, by logical id, in template order. */
    Map<String, Map<String, Object>> resourcesOfType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources().forEach((id, resource) -> {
            if (type.equals(resource.get("Type"))) {
                found.put(id, properties(resource));
            }
        });
        return found;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }

    /** {@code Globals.Function}, which every function inherits. */
    Map<String, Object> functionGlobals() {
        return map(map(root.get("Globals")).get("Function"));
    }

    /** The logical id a {@code !Ref} points at, or null when the value is not a Ref. */
    static String ref(Object value) {
        return value instanceof Map<?, ?> map && map.get("Ref") instanceof String id ? id : null;
    }
}
