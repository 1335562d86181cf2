package dev.reelay.contract;

import java.util.List;
import java.util.Map;

/**
 * The SAM policy templates template.yaml may use, as SAM expands them: each one's actions and
 * resource patterns as written in SAM's {@code samtranslator/policy_templates_data/policy_templates.json}.
 * A resource pattern is an {@code Fn::Sub} string of the pseudo parameters and the template's own
 * parameters (SAM names them {@code ${tableName}} and the like, bound to {@code TableName}; here
 * they are named after the parameter directly).
 * <p>
 * A template not listed here cannot be evaluated: {@link TemplateIam} refuses it, naming it, so
 * that adding one to template.yaml means adding it here rather than passing unexamined.
 */
final class SamPolicyTemplates {
    record Definition(List<String> parameters, List<Grant> grants) {
    }

    record Grant(List<String> actions, List<String> resources) {
    }

    private static final String TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}";
    private static final String TABLE_INDEXES = TABLE + "/index/*";
    private static final String BUCKET = "arn:${AWS::Partition}:s3:::${BucketName}";
    private static final String OBJECTS = BUCKET + "/*";
    private static final String STATE_MACHINE = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}";
    private static final String QUEUE = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}";

    static final Map<String, Definition> ALL = Map.ofEntries(
            Map.entry("DynamoDBCrudPolicy", definition("TableName", grant(List.of("dynamodb:GetItem", "dynamodb:DeleteItem",
                    "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
                    "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"), TABLE, TABLE_INDEXES))),
            Map.entry("DynamoDBReadPolicy", definition("TableName", grant(List.of("dynamodb:GetItem", "dynamodb:Scan",
                    "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"), TABLE, TABLE_INDEXES))),
            Map.entry("DynamoDBWritePolicy", definition("TableName", grant(List.of("dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:BatchWriteItem"), TABLE, TABLE_INDEXES))),
            Map.entry("S3ReadPolicy", definition("BucketName", grant(List.of("s3:GetObject", "s3:ListBucket",
                    "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"), BUCKET, OBJECTS))),
            Map.entry("S3WritePolicy", definition("BucketName", grant(List.of("s3:PutObject", "s3:PutObjectAcl",
                    "s3:PutLifecycleConfiguration"), BUCKET, OBJECTS))),
            Map.entry("S3CrudPolicy", definition("BucketName", grant(List.of("s3:GetObject", "s3:ListBucket",
                    "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
                    "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"), BUCKET, OBJECTS))),
            Map.entry("S3FullAccessPolicy", definition("BucketName",
                    grant(List.of("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
                            "s3:DeleteObject", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:GetObjectTagging",
                            "s3:GetObjectVersionTagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"), OBJECTS),
                    grant(List.of("s3:ListBucket", "s3:GetBucketLocation", "s3:GetLifecycleConfiguration",
                            "s3:PutLifecycleConfiguration"), BUCKET))),
            Map.entry("StepFunctionsExecutionPolicy", definition("StateMachineName",
                    grant(List.of("states:StartExecution"), STATE_MACHINE))),
            Map.entry("StepFunctionsCallbackPolicy", definition("StateMachineName",
                    grant(List.of("states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"), STATE_MACHINE))),
            Map.entry("AWSSecretsManagerGetSecretValuePolicy", definition("SecretArn",
                    grant(List.of("secretsmanager:GetSecretValue"), "${SecretArn}"))),
            Map.entry("LambdaInvokePolicy", definition("FunctionName", grant(List.of("lambda:InvokeFunction"),
                    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*"))),
            Map.entry("SQSSendMessagePolicy", definition("QueueName", grant(List.of("sqs:SendMessage*"), QUEUE))),
            Map.entry("SQSPollerPolicy", definition("QueueName", grant(List.of("sqs:ChangeMessageVisibility",
                    "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage"), QUEUE))),
            Map.entry("SNSPublishMessagePolicy", definition("TopicName", grant(List.of("sns:Publish"),
                    "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${TopicName}"))),
            Map.entry("CloudWatchPutMetricPolicy", new Definition(List.of(), List.of(grant(List.of("cloudwatch:PutMetricData"), "*")))));

    private SamPolicyTemplates() {
    }

    private static Definition definition(String parameter, Grant... grants) {
        return new Definition(List.of(parameter), List.of(grants));
    }

    private static Grant grant(List<String> actions, String... resources) {
        return new Grant(actions, List.of(resources));
    }
}
