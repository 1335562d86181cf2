package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.local.engines.LocalDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Budget reservations against a real DynamoDB Local: one conditional update each, never over budget. */
class DynamoDbBudgetsTest {
    private static final String TABLE = "TasksTable";
    private static final String MONTH = "2026-11";
    private static final OptionalLong ONE_DOLLAR = OptionalLong.of(1_000_000);
    private static LocalDynamoDb dynamo;
    private static DynamoDbBudgets budgets;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
        budgets = new DynamoDbBudgets(dynamo.client(), TABLE);
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @Test
    void reservationsFitUntilTheBudgetIsCommitted() {
        Reservation first = budgets.reserve("fits", ONE_DOLLAR, 375_000, MONTH);
        budgets.reserve("fits", ONE_DOLLAR, 375_000, MONTH);

        assertThat(first).isEqualTo(new Reservation(MONTH, 375_000));
        assertThat(budgets.committed("fits", MONTH)).isEqualTo(750_000);
        assertThatThrownBy(() -> budgets.reserve("fits", ONE_DOLLAR, 375_000, MONTH))
                .isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("only $0.25").hasMessageContaining(MONTH);
        // Exactly what is left still fits; one micro-dollar more would not have.
        budgets.reserve("fits", ONE_DOLLAR, 250_000, MONTH);
        assertThat(budgets.committed("fits", MONTH)).isEqualTo(1_000_000);
        assertThatThrownBy(() -> budgets.reserve("fits", ONE_DOLLAR, 1, MONTH)).isInstanceOf(QuotaExceededException.class);
        // Another month, and another owner, have budgets of their own.
        budgets.reserve("fits", ONE_DOLLAR, 375_000, "2026-12");
        budgets.reserve("other", ONE_DOLLAR, 375_000, MONTH);
        assertThat(budgets.committed("fits", "2026-12")).isEqualTo(375_000);
    }

    @Test
    void anAmountLargerThanTheWholeBudgetIsRefusedWithoutAWrite() {
        assertThatThrownBy(() -> budgets.reserve("small", OptionalLong.of(100_000), 375_000, MONTH))
                .isInstanceOf(QuotaExceededException.class).hasMessageContaining("only $0.10");
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.usageKey("small", MONTH))).item())
                .isNullOrEmpty();
    }

    @Test
    void withoutABudgetTheAmountIsStillCounted() {
        for (int i = 0; i < 5; i++) {
            budgets.reserve("unlimited", OptionalLong.empty(), 1_500_000, MONTH);
        }
        assertThat(budgets.committed("unlimited", MONTH)).isEqualTo(7_500_000);
    }

    @Test
    void aReleaseGivesTheAmountBack() {
        Reservation held = budgets.reserve("releasing", ONE_DOLLAR, 600_000, MONTH);
        assertThatThrownBy(() -> budgets.reserve("releasing", ONE_DOLLAR, 600_000, MONTH)).isInstanceOf(QuotaExceededException.class);

        budgets.release("releasing", held);
        budgets.release("releasing", Reservation.NONE);

        assertThat(budgets.committed("releasing", MONTH)).isZero();
        budgets.reserve("releasing", ONE_DOLLAR, 600_000, MONTH);
    }

    @Test
    void concurrentReservationsAgainstASmallBudgetNeverOverspend() throws Exception {
        int threads = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            outcomes.add(pool.submit(() -> {
                go.await();
                try {
                    budgets.reserve("racing", ONE_DOLLAR, 375_000, MONTH);
                    return true;
                } catch (QuotaExceededException refused) {
                    return false;
                }
            }));
        }
        go.countDown();
        int granted = 0;
        for (Future<Boolean> outcome : outcomes) {
            granted += outcome.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(granted).isEqualTo(2);
        assertThat(budgets.committed("racing", MONTH)).isEqualTo(750_000).isLessThanOrEqualTo(1_000_000);
    }
}
