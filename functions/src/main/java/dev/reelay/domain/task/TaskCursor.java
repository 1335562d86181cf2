package dev.reelay.domain.task;

import dev.reelay.domain.error.InvalidRequestException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in an owner's task list, which runs newest first: by creation time (to the millisecond),
 * then by task id, both descending. Its {@link #sortKey()} ({@code <createdAt>#<taskId>}, the time
 * fixed-width so that text order is time order) is what the store sorts by; {@link #encode()} is the
 * opaque {@code next_cursor} callers hand back, base64url without padding.
 */
public record TaskCursor(Instant createdAt, String taskId) {
    private static final DateTimeFormatter FIXED_WIDTH =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String VERSION = "1:";
    private static final Pattern SORT_KEY = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)#([A-Za-z0-9._:-]{1,128})");

    /** Newest first: the order of the list. */
    public static final Comparator<TaskCursor> NEWEST_FIRST =
            Comparator.comparing(TaskCursor::sortKey).reversed();

    public TaskCursor {
        createdAt = createdAt.truncatedTo(ChronoUnit.MILLIS);
    }

    public static TaskCursor of(Task task) {
        return new TaskCursor(task.createdAt(), task.id());
    }

    /** {@code 2026-11-23T01:56:38.150Z#task-...}: the index's sort key. */
    public String sortKey() {
        return FIXED_WIDTH.format(createdAt) + "#" + taskId;
    }

    public static TaskCursor fromSortKey(String sortKey) {
        Matcher matcher = SORT_KEY.matcher(sortKey == null ? "" : sortKey);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Not a task sort key: " + sortKey);
        }
        return new TaskCursor(Instant.parse(matcher.group(1)), matcher.group(2));
    }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + sortKey()).getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a {@code cursor} parameter; anything this class did not write is refused with {@code invalid_cursor}. */
    public static TaskCursor decode(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(VERSION)) {
                return fromSortKey(text.substring(VERSION.length()));
            }
        } catch (IllegalArgumentException | DateTimeParseException notOurs) {
            // refused below
        }
        throw new InvalidRequestException("cursor", "invalid_cursor",
                "'cursor' must be a next_cursor value returned by an earlier GET /v1/tasks.");
    }
}
