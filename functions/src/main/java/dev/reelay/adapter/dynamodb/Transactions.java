package dev.reelay.adapter.dynamodb;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Conditional transactions on the tasks table. A failed condition is an answer (false), not an
 * error; a conflict with another transaction on the same items (two ends of one task, a grant
 * racing a release on a vendor's slots) is retried after a short random pause, and the retry then
 * sees the other's result or goes through.
 */
final class Transactions {
    static final int MAX_ATTEMPTS = 8;

    private Transactions() {
    }

    /** True when every write went through; false when a condition failed. */
    static boolean write(DynamoDbClient dynamo, List<TransactWriteItem> writes) {
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(t -> t.transactItems(writes));
                return true;
            } catch (TransactionCanceledException e) {
                List<String> reasons = reasons(e);
                if (reasons.contains("ConditionalCheckFailed")) {
                    return false;
                }
                if (!reasons.contains("TransactionConflict") || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    static List<String> reasons(TransactionCanceledException e) {
        return e.cancellationReasons().stream().map(CancellationReason::code).toList();
    }

    static void pause(int attempt) {
        try {
            Thread.sleep(5L * attempt + ThreadLocalRandom.current().nextLong(20L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while retrying a DynamoDB transaction", e);
        }
    }
}
