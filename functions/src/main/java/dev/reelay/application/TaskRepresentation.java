package dev.reelay.application;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public task object, in the unified aggregator's shape (docs/api.md), plus Reelay's
 * {@code result} and {@code timeline}, and the list object of {@code GET /v1/tasks}. Maps and lists,
 * ready for any JSON writer.
 */
public final class TaskRepresentation {
    public static final String OBJECT = "video.generation.task";
    public static final String LIST_OBJECT = "list";

    private TaskRepresentation() {
    }

    public static Map<String, Object> of(TaskView view) {
        Task task = view.task();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", task.id());
        json.put("created", task.createdAt().getEpochSecond());
        json.put("model", task.request().model());
        json.put("object", OBJECT);
        json.put("progress", task.status() == TaskStatus.COMPLETED ? 100 : task.progress());
        json.put("status", task.status().wire());
        json.put("task_info", taskInfo(view));
        json.put("type", "video");
        json.put("usage", usage(task));
        if (view.resultUrl() != null) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("url", view.resultUrl().toString());
            result.put("url_expires_at", iso(view.resultUrlExpiresAt()));
            result.put("sha256", task.result().sha256Hex());
            result.put("bytes", task.result().bytes());
            result.put("duration_seconds", task.result().durationSeconds());
            json.put("result", result);
        }
        if (task.failure() != null) {
            json.put("error", Map.of("code", task.failure().code(), "message", task.failure().message()));
        }
        json.put("timeline", timeline(task.timeline()));
        return json;
    }

    /** {@code {"object":"list","data":[...],"has_more":...,"next_cursor":...}}, the tasks newest first. */
    public static Map<String, Object> list(ListTasks.TaskList page) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("object", LIST_OBJECT);
        json.put("data", page.tasks().stream().map(TaskRepresentation::of).toList());
        json.put("has_more", page.nextCursor().isPresent());
        json.put("next_cursor", page.nextCursor().orElse(null));
        return json;
    }

    private static Map<String, Object> taskInfo(TaskView view) {
        Task task = view.task();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("can_cancel", view.canCancel());
        if (task.estimatedSeconds() > 0) {
            info.put("estimated_time", task.estimatedSeconds());
        }
        info.put("duration", task.request().durationSeconds());
        info.put("quality", task.request().quality().wire());
        info.put("sound", task.request().sound().wire());
        if (task.provider() != null) {
            info.put("provider", task.provider());
        }
        view.queuePosition().ifPresent(position -> info.put("queue_position", position));
        if (task.batchId() != null) {
            info.put("batch_id", task.batchId());
        }
        return info;
    }

    /**
     * While a task runs, usage shows its quote; once it ends, what was actually charged: the quote for
     * a completed task, nothing for a failed one, and for a cancelled one what its vendor bills for it
     * (nothing, or the quote when the vendor had the job and could not stop it).
     */
    private static Map<String, Object> usage(Task task) {
        Quote shown = task.status().isTerminal() ? task.charged() : task.quote();
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("billing_rule", "per_second");
        usage.put("billed_seconds", shown.billedSeconds());
        usage.put("cost_usd", shown.costUsd());
        usage.put("credits", shown.credits());
        usage.put("charged", task.status() == TaskStatus.COMPLETED
                || task.status() == TaskStatus.CANCELLED && task.charged().costUsd().signum() > 0);
        return usage;
    }

    private static List<Map<String, Object>> timeline(List<TimelineEvent> events) {
        return events.stream().map(event -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("event", event.event());
            entry.put("at", iso(event.at()));
            if (event.detail() != null) {
                entry.put("detail", event.detail());
            }
            return entry;
        }).toList();
    }

    /** ISO-8601 with milliseconds, always three digits. */
    static String iso(Instant instant) {
        Instant millis = instant.truncatedTo(ChronoUnit.MILLIS);
        String text = millis.toString();
        return millis.getNano() == 0 ? text.replace("Z", ".000Z") : text;
    }
}
