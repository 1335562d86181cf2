package dev.reelay.contract;

import dev.reelay.local.calls.AwsResource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.reelay.contract.CloudFormationTemplate.list;
import static dev.reelay.contract.CloudFormationTemplate.map;

/**
 * The IAM policies template.yaml gives its functions and state machines, evaluated the way IAM
 * evaluates identity policies: a call is allowed when some Allow statement matches its action and
 * resource and no Deny statement does.
 * <p>
 * Resources are resolved symbolically, in one made-up deployment: the pseudo parameters have fixed
 * values ({@link #PARTITION}, {@link #REGION}, {@link #ACCOUNT}), every template parameter is the
 * placeholder {@code {Name}}, and a resource without a name property has the physical name
 * {@code {LogicalId}}. A policy's {@code !Ref TasksTable}, {@code !GetAtt TasksTable.Arn} or
 * {@code !Sub ${ArchiveBucket.Arn}/videos/*} and a call's table, object or execution (named by
 * their logical ids, see {@link #arn}) so resolve to ARNs that match exactly when they would in
 * any deployment.
 * <p>
 * Limits: Conditions are not evaluated (a conditional Allow counts as allowing); managed policies
 * named by name or ARN grant nothing here; resource-based policies (bucket policies, Lambda
 * permissions) are not consulted; {@code *} may match across the colons of an ARN.
 */
final class TemplateIam {
    static final String PARTITION = "aws";
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    private static final List<String> PRINCIPAL_TYPES = List.of("AWS::Serverless::Function", "AWS::Serverless::StateMachine");

    /**
     * One statement of a principal's policies, resolved.
     *
     * @param source where it comes from, e.g. {@code DynamoDBCrudPolicy(TableName=TasksTable)}
     */
    record Statement(String source, boolean allow, List<String> actions, boolean notAction, List<String> resources,
                     boolean notResource, boolean conditional) {
        boolean matches(String action, String arn) {
            boolean actionMatches = actions.stream().anyMatch(pattern -> glob(pattern, action, true)) != notAction;
            boolean resourceMatches = resources.stream().anyMatch(pattern -> glob(pattern, arn, false)) != notResource;
            return actionMatches && resourceMatches;
        }

        @Override
        public String toString() {
            return source + ": " + (allow ? "Allow " : "Deny ") + (notAction ? "NotAction " : "") + String.join(", ", actions)
                    + (notResource ? " NotResource " : " on ") + String.join(", ", resources) + (conditional ? " (with a Condition)" : "");
        }
    }

    /** Whether a call is allowed, and by which statement, or which statement denies it. */
    record Decision(boolean allowed, Statement statement) {
    }

    private final CloudFormationTemplate template;
    private final Map<String, List<Statement>> principals = new LinkedHashMap<>();

    TemplateIam(CloudFormationTemplate template) {
        this.template = template;
        for (String type : PRINCIPAL_TYPES) {
            template.resourcesOfType(type).forEach((id, properties) -> {
                if (properties.containsKey("Role")) {
                    throw new IllegalArgumentException(id + " has a Role of its own: its policies are not in its Policies");
                }
                principals.put(id, statements(id, properties.get("Policies")));
            });
        }
    }

    /** The functions and state machines, by logical id. */
    List<String> principals() {
        return List.copyOf(principals.keySet());
    }

    List<Statement> statements(String principal) {
        List<Statement> statements = principals.get(principal);
        if (statements == null) {
            throw new IllegalArgumentException(principal + " is no function or state machine of template.yaml: " + principals.keySet());
        }
        return statements;
    }

    Decision decide(String principal, String action, String arn) {
        Statement allowedBy = null;
        for (Statement statement : statements(principal)) {
            if (statement.matches(action, arn)) {
                if (!statement.allow()) {
                    return new Decision(false, statement);
                }
                allowedBy = allowedBy == null ? statement : allowedBy;
            }
        }
        return new Decision(allowedBy != null, allowedBy);
    }

    /**
     * The ARN of a resource named by template names: a table, bucket, state machine or function by
     * its logical id, a secret by the parameter (or resource) that holds its ARN.
     */
    String arn(AwsResource resource) {
        return switch (resource.kind()) {
            case TABLE, BUCKET -> getAtt(resource.name(), "Arn");
            // A published function is invoked through its alias (TemplateOperationsContractTest holds
            // every invoker to it): that qualified ARN is what IAM checks.
            case FUNCTION -> getAtt(resource.name(), "Arn") + alias(resource.name()).map(a -> ":" + a).orElse("");
            case INDEX -> getAtt(resource.name(), "Arn") + "/index/" + resource.path();
            case OBJECT -> getAtt(resource.name(), "Arn") + "/" + resource.path();
            case STATE_MACHINE, SECRET -> ref(resource.name());
            case EXECUTION -> ref(resource.name()).replace(":stateMachine:", ":execution:") + ":" + resource.path();
            case ANY -> "*";
        };
    }

    // ------------------------------------------------------------------ policies

    private List<Statement> statements(String principal, Object policies) {
        List<Statement> statements = new ArrayList<>();
        List<Object> entries = policies instanceof List<?> several ? list(several)
                : policies == null ? List.of() : List.of(policies);
        for (Object entry : entries) {
            if (entry instanceof String managed) {
                // A managed policy (by name or ARN): not modelled, so it grants nothing here.
                statements.add(new Statement("managed policy " + managed + " (not evaluated)", true, List.of(), false, List.of(), false, false));
                continue;
            }
            Map<String, Object> policy = map(entry);
            if (policy.containsKey("Statement")) {
                Object body = policy.get("Statement");
                for (Object statement : body instanceof List<?> ? list(body) : List.of(body)) {
                    statements.add(inline(principal, map(statement)));
                }
                continue;
            }
            if (policy.size() != 1) {
                throw new IllegalArgumentException(principal + ": a policy is one SAM policy template or a policy document: " + policy);
            }
            Map.Entry<String, Object> sam = policy.entrySet().iterator().next();
            if (sam.getKey().equals("Fn::If")) {
                // A conditional policy (e.g. X-Ray only when tracing is on): what it grants when its
                // condition holds counts; the other branch is AWS::NoValue or another policy.
                for (Object branch : list(sam.getValue()).subList(1, 3)) {
                    if (branch instanceof Map<?, ?> && !"AWS::NoValue".equals(CloudFormationTemplate.ref(branch))) {
                        statements.addAll(statements(principal, List.of(branch)));
                    }
                }
                continue;
            }
            statements.addAll(samTemplate(principal, sam.getKey(), map(sam.getValue())));
        }
        return List.copyOf(statements);
    }

    private Statement inline(String principal, Map<String, Object> statement) {
        String effect = (String) statement.get("Effect");
        if (!"Allow".equals(effect) && !"Deny".equals(effect)) {
            throw new IllegalArgumentException(principal + ": a statement's Effect is Allow or Deny: " + statement);
        }
        boolean notAction = statement.containsKey("NotAction");
        boolean notResource = statement.containsKey("NotResource");
        List<String> actions = strings(statement.get(notAction ? "NotAction" : "Action"));
        List<String> resources = strings(statement.get(notResource ? "NotResource" : "Resource"));
        String sid = statement.get("Sid") instanceof String s ? " " + s : "";
        return new Statement("Statement" + sid, effect.equals("Allow"), actions, notAction, resources, notResource,
                statement.containsKey("Condition"));
    }

    private List<String> strings(Object value) {
        List<Object> values = value instanceof List<?> several ? list(several) : value == null ? List.of() : List.of(value);
        return values.stream().map(this::resolve).toList();
    }

    private List<Statement> samTemplate(String principal, String name, Map<String, Object> arguments) {
        SamPolicyTemplates.Definition definition = SamPolicyTemplates.ALL.get(name);
        if (definition == null) {
            throw new IllegalArgumentException(principal + " uses the SAM policy template " + name
                    + ", which SamPolicyTemplates does not know: add its actions and resources from SAM's policy_templates.json");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String parameter : definition.parameters()) {
            if (!arguments.containsKey(parameter)) {
                throw new IllegalArgumentException(principal + ": " + name + " needs " + parameter + ", has " + arguments.keySet());
            }
            values.put(parameter, resolve(arguments.get(parameter)));
        }
        String source = name + values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "(", ")"));
        return definition.grants().stream().map(grant -> new Statement(source, true, grant.actions(), false,
                grant.resources().stream().map(pattern -> sub(pattern, values)).toList(), false, false)).toList();
    }

    // ------------------------------------------------------------------ intrinsic functions, symbolically

    /** A template value as a string: intrinsic functions resolved in the made-up deployment. */
    String resolve(Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        Map<String, Object> function = map(value);
        if (function.size() == 1) {
            Map.Entry<String, Object> only = function.entrySet().iterator().next();
            Object argument = only.getValue();
            switch (only.getKey()) {
                case "Ref":
                    return ref((String) argument);
                case "Fn::GetAtt": {
                    List<Object> parts = argument instanceof String dotted ? List.of((Object[]) dotted.split("\\.", 2)) : list(argument);
                    return getAtt((String) parts.get(0), (String) parts.get(1));
                }
                case "Fn::Sub": {
                    if (argument instanceof String text) {
                        return sub(text, Map.of());
                    }
                    List<Object> parts = list(argument);
                    Map<String, String> variables = new LinkedHashMap<>();
                    map(parts.get(1)).forEach((name, expression) -> variables.put(name, resolve(expression)));
                    return sub((String) parts.get(0), variables);
                }
                case "Fn::Join": {
                    List<Object> parts = list(argument);
                    return list(parts.get(1)).stream().map(this::resolve).collect(Collectors.joining((String) parts.get(0)));
                }
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("Cannot resolve " + value);
    }

    private String sub(String text, Map<String, String> variables) {
        Matcher variable = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (variable.find()) {
            String name = variable.group(1);
            String value = name.startsWith("!") ? "${" + name.substring(1) + "}"
                    : variables.containsKey(name) ? variables.get(name)
                    : name.contains(".") && !name.startsWith("AWS::") ? getAtt(name.substring(0, name.indexOf('.')), name.substring(name.indexOf('.') + 1))
                    : ref(name);
            variable.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        variable.appendTail(out);
        return out.toString();
    }

    /** The alias SAM publishes a function behind ({@code AutoPublishAlias}, its own or from Globals), if any. */
    private java.util.Optional<String> alias(String functionId) {
        Object own = CloudFormationTemplate.properties(resource(functionId)).get("AutoPublishAlias");
        Object global = template.functionGlobals().get("AutoPublishAlias");
        return java.util.Optional.ofNullable(own != null ? own : global).map(Object::toString);
    }

    private String ref(String name) {
        if (name.endsWith(".Alias")) {
            // SAM's reference to the alias of a function with AutoPublishAlias: its qualified ARN.
            String function = name.substring(0, name.length() - ".Alias".length());
            return getAtt(function, "Arn") + ":" + alias(function).orElseThrow(() ->
                    new IllegalArgumentException("!Ref " + name + ", but " + function + " publishes no alias"));
        }
        switch (name) {
            case "AWS::Partition":
                return PARTITION;
            case "AWS::Region":
                return REGION;
            case "AWS::AccountId":
                return ACCOUNT;
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::StackName":
                return "{AWS::StackName}";
            default:
                break;
        }
        if (map(template.root().get("Parameters")).containsKey(name)) {
            return "{" + name + "}";
        }
        Map<String, Object> resource = resource(name);
        return switch ((String) resource.get("Type")) {
            case "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine" -> stateMachineArn(name);
            case "AWS::SNS::Topic" -> getAtt(name, "TopicArn");
            case "AWS::SQS::Queue" -> "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/" + physicalName(name);
            default -> physicalName(name);
        };
    }

    private String getAtt(String id, String attribute) {
        String type = (String) resource(id).get("Type");
        String name = physicalName(id);
        String arn = switch (type) {
            case "AWS::DynamoDB::Table" -> "arn:" + PARTITION + ":dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name;
            case "AWS::S3::Bucket" -> "arn:" + PARTITION + ":s3:::" + name;
            case "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine" -> stateMachineArn(id);
            case "AWS::Serverless::Function", "AWS::Lambda::Function" -> "arn:" + PARTITION + ":lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
            case "AWS::Logs::LogGroup" -> "arn:" + PARTITION + ":logs:" + REGION + ":" + ACCOUNT + ":log-group:" + name + ":*";
            case "AWS::SQS::Queue" -> "arn:" + PARTITION + ":sqs:" + REGION + ":" + ACCOUNT + ":" + name;
            case "AWS::SNS::Topic" -> "arn:" + PARTITION + ":sns:" + REGION + ":" + ACCOUNT + ":" + name;
            default -> null;
        };
        if (attribute.equals("Arn") || attribute.equals("TopicArn")) {
            if (arn != null) {
                return arn;
            }
        } else if (attribute.equals("Name") || attribute.equals("QueueName") || attribute.equals("TopicName")) {
            return name;
        }
        throw new IllegalArgumentException("Cannot resolve !GetAtt " + id + "." + attribute + " of a " + type);
    }

    private String stateMachineArn(String id) {
        return "arn:" + PARTITION + ":states:" + REGION + ":" + ACCOUNT + ":stateMachine:" + physicalName(id);
    }

    /** The resource's name property, resolved, or {@code {LogicalId}} for a name CloudFormation generates. */
    private String physicalName(String id) {
        Map<String, Object> properties = CloudFormationTemplate.properties(resource(id));
        for (String property : List.of("TableName", "BucketName", "Name", "StateMachineName", "FunctionName", "LogGroupName",
                "QueueName", "TopicName")) {
            if (properties.containsKey(property)) {
                return resolve(properties.get(property));
            }
        }
        return "{" + id + "}";
    }

    private Map<String, Object> resource(String id) {
        Map<String, Object> resource = template.resources().get(id);
        if (resource == null) {
            throw new IllegalArgumentException("No parameter or resource " + id + " in template.yaml");
        }
        return resource;
    }

    /** IAM's wildcards: {@code *} any run of characters, {@code ?} one; actions ignore case. */
    static boolean glob(String pattern, String value, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (String literal : pattern.split("(?<=[*?])|(?=[*?])")) {
            regex.append(literal.equals("*") ? ".*" : literal.equals("?") ? "." : Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
    }
}
