package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.port.Budgets;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import static dev.reelay.adapter.dynamodb.Attributes.n;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.COMMITTED_MICROS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.usageKey;

/**
 * Budgets as {@code committedMicros} on the owner's monthly usage item ({@code pk=USAGE#owner,
 * sk=MONTH#yyyy-MM}), next to the settled counters. A reservation is ONE conditional update:
 * {@code committedMicros + amount} only when {@code committedMicros <= budget - amount}, so two
 * concurrent reservations cannot both take the last of a budget.
 */
public final class DynamoDbBudgets implements Budgets {
    private static final int MAX_ATTEMPTS = 5;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbBudgets(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Reservation reserve(String ownerKeyId, OptionalLong budgetMicros, long amountMicros, String month) {
        if (amountMicros <= 0) {
            return Reservation.NONE;
        }
        UpdateItemRequest.Builder update = UpdateItemRequest.builder().tableName(table)
                .key(usageKey(ownerKeyId, month))
                .updateExpression("SET #committed = if_not_exists(#committed, :zero) + :amount")
                .expressionAttributeNames(Map.of("#committed", COMMITTED_MICROS));
        if (budgetMicros.isEmpty()) {
            write(update.expressionAttributeValues(Map.of(":zero", n(0), ":amount", n(amountMicros))).build());
            return new Reservation(month, amountMicros);
        }
        long budget = budgetMicros.getAsLong();
        if (!MonthlyBudget.fitsAtAll(budget, amountMicros)) {
            throw MonthlyBudget.refusal(budget, committed(ownerKeyId, month), amountMicros, month);
        }
        long headroom = MonthlyBudget.headroom(budget, amountMicros);
        try {
            write(update
                    .conditionExpression("attribute_not_exists(#committed) OR #committed <= :headroom")
                    .expressionAttributeValues(Map.of(":zero", n(0), ":amount", n(amountMicros), ":headroom", n(headroom)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
        } catch (ConditionalCheckFailedException overBudget) {
            Map<String, AttributeValue> old = overBudget.hasItem() ? overBudget.item() : null;
            long committed = old != null && old.containsKey(COMMITTED_MICROS) ? Long.parseLong(old.get(COMMITTED_MICROS).n())
                    : committed(ownerKeyId, month);
            throw MonthlyBudget.refusal(budget, committed, amountMicros, month);
        }
        return new Reservation(month, amountMicros);
    }

    @Override
    public void release(String ownerKeyId, Reservation reservation) {
        if (!reservation.holdsSomething()) {
            return;
        }
        write(UpdateItemRequest.builder().tableName(table).key(usageKey(ownerKeyId, reservation.month()))
                .updateExpression("ADD #committed :minus")
                .expressionAttributeNames(Map.of("#committed", COMMITTED_MICROS))
                .expressionAttributeValues(Map.of(":minus", n(-reservation.micros()))).build());
    }

    /**
     * One update of the usage item. A task of the same owner ending at that moment holds the item
     * in its transaction, which DynamoDB answers with a conflict: worth a short retry.
     */
    private void write(UpdateItemRequest request) {
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.updateItem(request);
                return;
            } catch (TransactionConflictException busy) {
                if (attempt == MAX_ATTEMPTS) {
                    throw busy;
                }
                try {
                    Thread.sleep(10L * attempt + ThreadLocalRandom.current().nextLong(20L * attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw busy;
                }
            }
        }
    }

    @Override
    public long committed(String ownerKeyId, String month) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                .key(usageKey(ownerKeyId, month)).consistentRead(true)).item();
        return item == null || !item.containsKey(COMMITTED_MICROS) ? 0 : Long.parseLong(item.get(COMMITTED_MICROS).n());
    }
}
