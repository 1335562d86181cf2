package dev.reelay.local.calls;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.sfn.model.SendTaskSuccessRequest;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;
import software.amazon.awssdk.services.sfn.model.StopExecutionRequest;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class CallLedgerTest {
    private static final Map<String, AttributeValue> KEY = Map.of("pk", AttributeValue.fromS("k"));

    @Test
    void aTransactionNeedsTheActionOfEachOfItsPartsAndNoTransactAction() {
        TransactWriteItemsRequest write = TransactWriteItemsRequest.builder().transactItems(
                t -> t.put(p -> p.tableName("T").item(KEY)),
                t -> t.update(u -> u.tableName("T").key(KEY).updateExpression("SET a = :a")),
                t -> t.delete(d -> d.tableName("T").key(KEY)),
                t -> t.conditionCheck(c -> c.tableName("T").key(KEY).conditionExpression("attribute_exists(pk)"))).build();

        assertThat(IamActions.of(write, null)).extracting(IamActions.Need::action)
                .containsExactly("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem");
        assertThat(IamActions.of(TransactGetItemsRequest.builder().transactItems(t -> t.get(g -> g.tableName("T").key(KEY))).build(), null))
                .containsExactly(new IamActions.Need("dynamodb:GetItem", AwsResource.table("T")));
    }

    @Test
    void aQueryOfAnIndexIsOnTheIndex() {
        assertThat(IamActions.of(QueryRequest.builder().tableName("T").indexName("ByOwner").build(), null))
                .containsExactly(new IamActions.Need("dynamodb:Query", AwsResource.tableOrIndex("T", "ByOwner")));
    }

    @Test
    void s3OperationsAreTheActionsThatAuthorizeThem() {
        assertThat(IamActions.of(UploadPartRequest.builder().bucket("b").key("videos/x.mp4").uploadId("u").partNumber(1).build(), null))
                .containsExactly(new IamActions.Need("s3:PutObject", AwsResource.object("b", "videos/x.mp4")));
        assertThat(IamActions.of(HeadObjectRequest.builder().bucket("b").key("k").build(), null))
                .containsExactly(new IamActions.Need("s3:GetObject", AwsResource.object("b", "k")));
        assertThat(IamActions.of(CopyObjectRequest.builder().sourceBucket("a").sourceKey("x").destinationBucket("b").destinationKey("y").build(), null))
                .containsExactly(new IamActions.Need("s3:GetObject", AwsResource.object("a", "x")),
                        new IamActions.Need("s3:PutObject", AwsResource.object("b", "y")));
        @SuppressWarnings("deprecation")
        CopyObjectRequest bySource = CopyObjectRequest.builder().copySource("a/videos%2Fx%20y.mp4?versionId=3").bucket("b").key("y").build();
        assertThat(IamActions.of(bySource, null)).containsExactly(new IamActions.Need("s3:GetObject", AwsResource.object("a", "videos/x y.mp4")),
                new IamActions.Need("s3:PutObject", AwsResource.object("b", "y")));
        assertThat(IamActions.ofFailure(HeadObjectRequest.builder().bucket("b").key("k").build(), 404))
                .containsExactly(new IamActions.Need("s3:ListBucket", AwsResource.bucket("b")));
        assertThat(IamActions.ofFailure(HeadObjectRequest.builder().bucket("b").key("k").build(), 403)).isEmpty();
    }

    @Test
    void stepFunctionsCallsAreOnTheMachineOrTheExecution() {
        String machine = "arn:aws:states:us-east-1:000000000000:stateMachine:M";
        assertThat(IamActions.of(StartExecutionRequest.builder().stateMachineArn(machine).name("e").build(), "M"))
                .containsExactly(new IamActions.Need("states:StartExecution", AwsResource.stateMachine("M")));
        assertThat(IamActions.of(StopExecutionRequest.builder().executionArn("arn:aws:states:us-east-1:000000000000:execution:M:e").build(), "M"))
                .containsExactly(new IamActions.Need("states:StopExecution", AwsResource.execution("M", "e")));
        assertThat(IamActions.of(SendTaskSuccessRequest.builder().taskToken("t").output("{}").build(), "M"))
                .containsExactly(new IamActions.Need("states:SendTaskSuccess", AwsResource.stateMachine("M")));
    }

    @Test
    void callsAreTheFunctionsOnWhoseThreadTheyAreMadeAndPresignedUrlsAndSecretReadsCountToo() {
        CallLedger ledger = CallLedger.recording("M");
        Supplier<String> secret = ledger.secretReads("S", () -> "value");
        try (S3Presigner presigner = ledger.presigner(S3Presigner.builder().region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"))).build())) {
            ledger.within("F", () -> {
                presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(1)).getObjectRequest(g -> g.bucket("b").key("videos/1.mp4")));
                presigner.presignGetObject(GetObjectPresignRequest.builder().signatureDuration(Duration.ofMinutes(1))
                        .getObjectRequest(g -> g.bucket("b").key("videos/2.mp4")).build());
                return secret.get();
            });
            secret.get();
        }

        assertThat(ledger.calls()).containsExactlyInAnyOrder(
                new AwsCall("F", "s3:GetObject", AwsResource.object("b", "videos/1.mp4")),
                new AwsCall("F", "s3:GetObject", AwsResource.object("b", "videos/2.mp4")),
                new AwsCall("F", "secretsmanager:GetSecretValue", AwsResource.secret("S")));
        assertThat(ledger.unattributed()).extracting(CallLedger.Unattributed::action).containsExactly("secretsmanager:GetSecretValue");
    }

    @Test
    void offRecordsNothingAndDecoratesNothing() {
        CallLedger off = CallLedger.off();
        Supplier<String> secret = () -> "value";
        assertThat(off.interceptors()).isEmpty();
        assertThat(off.secretReads("S", secret)).isSameAs(secret);
        off.within("F", () -> {
            off.record("s3:GetObject", AwsResource.object("b", "k"));
            return null;
        });
        assertThat(off.calls()).isEmpty();
    }
}
