package dev.reelay.port;

import dev.reelay.domain.usage.TaskUsage;

import java.time.YearMonth;
import java.util.List;

/** The tasks an API key created in a month, as its usage counts them ({@code GET /v1/usage}). */
public interface TaskUsages {

    /**
     * Every task {@code ownerKeyId} created in {@code month} (UTC, by creation time), whatever its
     * status, each once: all of them, however many pages the store reads them in.
     */
    List<TaskUsage> createdIn(String ownerKeyId, YearMonth month);
}
