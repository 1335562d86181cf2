package dev.reelay.contract;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What deleting the stack (or replacing a resource) does to data, said on purpose for every resource
 * that holds any: the users' data (the tasks table, the archived videos, the uploads) is kept, and
 * its deletion is a step of its own in docs/deploying.md; the rest (logs, dead letters) goes with the
 * stack. A new resource of a kind that holds data fails here until its policies are chosen.
 */
class TemplateRetentionContractTest {
    /** The resources a user would miss: kept when the stack is deleted or the resource replaced. */
    static final Set<String> RETAINED = Set.of("TasksTable", "ArchiveBucket", "UploadsBucket");
    /** Resource types that hold data (what cfn-lint's I3011 asks policies of, and buckets). */
    private static final Set<String> STATEFUL_TYPES = Set.of("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup",
            "AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EFS::FileSystem",
            "AWS::Kinesis::Stream", "AWS::Backup::BackupVault");
    private static CloudFormationTemplate template;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(TemplateContractTest.REPO.resolve("template.yaml"));
    }

    @Test
    void theTableAndBothBucketsAreKeptWhenTheStackIsDeletedOrTheyAreReplaced() {
        for (String id : RETAINED) {
            Map<String, Object> resource = template.resources().get(id);
            assertThat(resource).as(id).isNotNull();
            assertThat(resource).as(id + " is kept when the stack is deleted").containsEntry("DeletionPolicy", "Retain");
            assertThat(resource).as(id + " is kept when an update replaces it").containsEntry("UpdateReplacePolicy", "Retain");
        }
        assertThat(template.resources().get("TasksTable").get("Type")).isEqualTo("AWS::DynamoDB::Table");
        assertThat(template.resources().get("ArchiveBucket").get("Type")).isEqualTo("AWS::S3::Bucket");
        assertThat(template.resources().get("UploadsBucket").get("Type")).isEqualTo("AWS::S3::Bucket");
    }

    /** Every resource that holds data says both policies, and only the user's data is kept. */
    @Test
    void everyResourceThatHoldsDataSaysWhatHappensToItAndOnlyTheUsersDataIsKept() {
        Map<String, String> policies = new TreeMap<>();
        template.resources().forEach((id, resource) -> {
            if (STATEFUL_TYPES.contains(resource.get("Type"))) {
                assertThat(resource).as(id + ": DeletionPolicy, on purpose").containsKey("DeletionPolicy");
                assertThat(resource.get("UpdateReplacePolicy")).as(id + ": UpdateReplacePolicy, as DeletionPolicy")
                        .isEqualTo(resource.get("DeletionPolicy"));
                policies.put(id, (String) resource.get("DeletionPolicy"));
            }
        });
        Set<String> kept = new TreeSet<>();
        policies.forEach((id, policy) -> {
            assertThat(policy).as(id).isIn("Retain", "Delete");
            if (policy.equals("Retain")) {
                kept.add(id);
            }
        });
        assertThat(kept).as("the resources kept after the stack").isEqualTo(new TreeSet<>(RETAINED));
    }

    /** docs/deploying.md's teardown deletes each kept resource by hand, with the AWS CLI. */
    @Test
    void theTeardownDeletesWhatTheStackKeeps() throws IOException {
        String deploying = Files.readString(TemplateContractTest.REPO.resolve("docs/deploying.md"));
        String teardown = deploying.substring(deploying.indexOf("## Tear down"));
        assertThat(teardown).contains("aws dynamodb delete-table --table-name <TasksTableName>")
                .contains("aws s3 rb s3://<ArchiveBucketName> --force")
                .contains("aws s3 rb s3://<UploadsBucketName> --force")
                .contains("sam delete");
    }
}
