package dev.reelay.contract;

import dev.reelay.local.calls.AwsResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policy evaluator of the IAM contract test can say no: missing actions, other key prefixes, other resources. */
class TemplateIamTest {
    private static final String TEMPLATE = """
            Parameters:
              Stage:
                Type: String
                Default: dev
              SecretArn:
                Type: String
            Resources:
              ReadOnly:
                Type: AWS::Serverless::Function
                Properties:
                  Policies:
                    - DynamoDBReadPolicy:
                        TableName: !Ref Table
              Archiver:
                Type: AWS::Serverless::Function
                Properties:
                  Policies:
                    - Statement:
                        - Effect: Allow
                          Action: [s3:PutObject, s3:Get*]
                          Resource: !Sub ${Archive.Arn}/videos/*
                        - Effect: Allow
                          Action: states:StopExecution
                          Resource: !Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:reelay-${Stage}-flow:*
                    - AWSSecretsManagerGetSecretValuePolicy:
                        SecretArn: !Ref SecretArn
                    - StepFunctionsExecutionPolicy:
                        StateMachineName: !GetAtt Flow.Name
              Denied:
                Type: AWS::Serverless::Function
                Properties:
                  Policies:
                    - S3CrudPolicy:
                        BucketName: !Ref Archive
                    - Statement:
                        Effect: Deny
                        Action: s3:DeleteObject
                        Resource: '*'
              Unknown:
                Type: AWS::Serverless::Function
                Properties:
                  Policies:
                    - MadeUpPolicy: {}
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Name: !Sub reelay-${Stage}-flow
                  Policies:
                    - LambdaInvokePolicy:
                        FunctionName: !Ref ReadOnly
              Table:
                Type: AWS::DynamoDB::Table
              Archive:
                Type: AWS::S3::Bucket
              Other:
                Type: AWS::S3::Bucket
            """;

    @TempDir
    static Path dir;
    private static TemplateIam iam;

    @BeforeAll
    static void load() throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, TEMPLATE.replace("    - MadeUpPolicy: {}\n", "    - CloudWatchPutMetricPolicy: {}\n"));
        iam = new TemplateIam(CloudFormationTemplate.load(file));
    }

    private static boolean allowed(String principal, String action, AwsResource resource) {
        return iam.decide(principal, action, iam.arn(resource)).allowed();
    }

    @Test
    void aReadPolicyAllowsReadsOfTheTableAndItsIndexesButNoUpdate() {
        assertThat(allowed("ReadOnly", "dynamodb:GetItem", AwsResource.table("Table"))).isTrue();
        assertThat(allowed("ReadOnly", "dynamodb:Query", AwsResource.tableOrIndex("Table", "ByOwner"))).isTrue();
        assertThat(allowed("ReadOnly", "dynamodb:UpdateItem", AwsResource.table("Table"))).isFalse();
        assertThat(allowed("ReadOnly", "dynamodb:GetItem", AwsResource.table("Other"))).as("another resource").isFalse();
    }

    @Test
    void aStatementOnAKeyPrefixAllowsNoOtherPrefixAndWildcardActionsMatch() {
        assertThat(allowed("Archiver", "s3:PutObject", AwsResource.object("Archive", "videos/task-1.mp4"))).isTrue();
        assertThat(allowed("Archiver", "s3:PutObject", AwsResource.object("Archive", "inputs/task-1/image.png"))).isFalse();
        assertThat(allowed("Archiver", "s3:GetObject", AwsResource.object("Archive", "videos/task-1.mp4"))).as("s3:Get*").isTrue();
        assertThat(allowed("Archiver", "s3:getobject", AwsResource.object("Archive", "videos/task-1.mp4"))).as("actions ignore case").isTrue();
        assertThat(allowed("Archiver", "s3:DeleteObject", AwsResource.object("Archive", "videos/task-1.mp4"))).isFalse();
        assertThat(allowed("Archiver", "s3:PutObject", AwsResource.object("Other", "videos/task-1.mp4"))).isFalse();
    }

    @Test
    void namesResolveSymbolicallyWhicheverWayThePolicyWritesThem() {
        assertThat(allowed("Archiver", "states:StopExecution", AwsResource.execution("Flow", "task-1"))).isTrue();
        assertThat(allowed("Archiver", "states:StartExecution", AwsResource.stateMachine("Flow"))).isTrue();
        assertThat(allowed("Archiver", "states:StopExecution", AwsResource.stateMachine("Flow"))).isFalse();
        assertThat(allowed("Archiver", "secretsmanager:GetSecretValue", AwsResource.secret("SecretArn"))).isTrue();
        assertThat(allowed("ReadOnly", "secretsmanager:GetSecretValue", AwsResource.secret("SecretArn"))).isFalse();
        assertThat(allowed("Flow", "lambda:InvokeFunction", AwsResource.function("ReadOnly"))).isTrue();
        assertThat(allowed("Flow", "lambda:InvokeFunction", AwsResource.function("Archiver"))).isFalse();
    }

    @Test
    void anExplicitDenyWins() {
        assertThat(allowed("Denied", "s3:PutObject", AwsResource.object("Archive", "videos/x.mp4"))).isTrue();
        assertThat(allowed("Denied", "s3:DeleteObject", AwsResource.object("Archive", "videos/x.mp4"))).isFalse();
        assertThat(iam.decide("Denied", "s3:DeleteObject", iam.arn(AwsResource.object("Archive", "videos/x.mp4"))).statement().allow()).isFalse();
    }

    @Test
    void anUnknownSamPolicyTemplateIsRefusedNotIgnored() throws IOException {
        Path file = dir.resolve("unknown.yaml");
        Files.writeString(file, TEMPLATE);
        assertThatThrownBy(() -> new TemplateIam(CloudFormationTemplate.load(file))).hasMessageContaining("MadeUpPolicy");
    }
}
