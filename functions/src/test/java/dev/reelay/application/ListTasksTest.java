package dev.reelay.application;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/** GET /v1/tasks: the caller's tasks only, newest first, in pages that neither skip nor repeat; refusals named. */
class ListTasksTest {
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final Instant start = Instant.parse("2026-11-23T01:00:00Z");
    private final Clock clock = Clock.fixed(start.plusSeconds(3600), ZoneOffset.UTC);
    private final GetTask views = new GetTask(store, new InMemoryArchive(), Duration.ofMinutes(10), clock, "cancels"::equals);
    private final ListTasks listTasks = new ListTasks(store, views);

    private Task task(String id, String owner, Instant createdAt) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
        Task task = Task.accepted(id, owner, createdAt, request, "inputs/" + id + "/image_start.jpeg", null, quote);
        store.create(task);
        return task;
    }

    private static List<String> ids(ListTasks.TaskList page) {
        return page.tasks().stream().map(view -> view.task().id()).toList();
    }

    @Test
    void onlyTheCallersTasksNewestFirstWithTiesInTheSameMillisecondByIdDescending() {
        task("task-a", "owner-1", start);
        task("task-b", "owner-1", start.plusSeconds(10));
        task("task-c", "owner-2", start.plusSeconds(20));
        task("task-d", "owner-1", start.plusSeconds(10));

        ListTasks.TaskList page = listTasks.list("owner-1", null);

        assertThat(ids(page)).containsExactly("task-d", "task-b", "task-a");
        assertThat(page.nextCursor()).isEmpty();
        assertThat(ids(listTasks.list("owner-2", Map.of()))).containsExactly("task-c");
        assertThat(ids(listTasks.list("nobody", Map.of()))).isEmpty();
    }

    @Test
    void pagesCoverEveryTaskOnceAndTheLastHasNoCursor() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(0, task("task-" + i, "owner-1", start.plusMillis(i * 250L)).id());
        }
        List<String> seen = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            Map<String, String> query = new HashMap<>(Map.of("limit", "3"));
            cursor.ifPresent(c -> query.put("cursor", c));
            ListTasks.TaskList page = listTasks.list("owner-1", query);
            assertThat(page.tasks()).hasSizeLessThanOrEqualTo(3);
            seen.addAll(ids(page));
            cursor = page.nextCursor();
            pages++;
        } while (cursor.isPresent());

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(created);
    }

    @Test
    void aFullLastPageSaysThereIsNoMore() {
        task("task-1", "owner-1", start);
        task("task-2", "owner-1", start.plusSeconds(1));

        ListTasks.TaskList page = listTasks.list("owner-1", Map.of("limit", "2"));

        assertThat(ids(page)).containsExactly("task-2", "task-1");
        assertThat(page.nextCursor()).isEmpty();
        assertThat(TaskRepresentation.list(page)).containsEntry("has_more", false).containsEntry("next_cursor", null);
    }

    @Test
    void theStatusFilterKeepsPagesFullAndResumesWhereItStopped() {
        for (int i = 0; i < 9; i++) {
            Task task = task("task-" + i, "owner-1", start.plusSeconds(i));
            if (i % 3 == 0) {
                store.markFailed(task.id(), new Failure("provider_failed", "no"), TimelineEvent.of(TimelineEvent.FAILED, start));
            }
        }
        ListTasks.TaskList first = listTasks.list("owner-1", Map.of("status", "failed", "limit", "2"));
        assertThat(ids(first)).containsExactly("task-6", "task-3");
        ListTasks.TaskList second = listTasks.list("owner-1", Map.of("status", "failed", "limit", "2", "cursor", first.nextCursor().orElseThrow()));
        assertThat(ids(second)).containsExactly("task-0");
        assertThat(second.nextCursor()).isEmpty();
        assertThat(ids(listTasks.list("owner-1", Map.of("status", "pending", "limit", "100")))).hasSize(6);
        assertThat(ids(listTasks.list("owner-1", Map.of("status", "cancelled")))).isEmpty();
    }

    @Test
    void eachTaskIsShownAsGetShowsItWithAFreshLinkAndWhetherACancelIsFree() {
        Task done = task("task-done", "owner-1", start);
        store.recordProviderSubmission(done.id(), "cannot", "v-1", 30, done.quote(),
                TimelineEvent.of(TimelineEvent.PROVIDER_SUBMITTED, start));
        store.recordResult(done.id(), new TaskResult("videos/task-done.mp4", "ab", 10, 5.0), TimelineEvent.of(TimelineEvent.ARCHIVED, start));
        store.settle(done.id(), done.quote(), TimelineEvent.of(TimelineEvent.BILLED, start));
        Task atVendor = task("task-at-vendor", "owner-1", start.plusSeconds(1));
        store.recordProviderSubmission(atVendor.id(), "cannot", "v-2", 30, atVendor.quote(),
                TimelineEvent.of(TimelineEvent.PROVIDER_SUBMITTED, start));
        Task atCancellingVendor = task("task-at-cancelling-vendor", "owner-1", start.plusSeconds(2));
        store.recordProviderSubmission(atCancellingVendor.id(), "cancels", "v-3", 30, atCancellingVendor.quote(),
                TimelineEvent.of(TimelineEvent.PROVIDER_SUBMITTED, start));
        task("task-new", "owner-1", start.plusSeconds(3));

        Map<String, Object> json = TaskRepresentation.list(listTasks.list("owner-1", Map.of()));

        assertThat(json).containsEntry("object", "list").containsEntry("has_more", false);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> data = (List<Map<String, Object>>) json.get("data");
        assertThat(data).extracting(item -> (Object) item.get("id")).containsExactly("task-new", "task-at-cancelling-vendor", "task-at-vendor", "task-done");
        assertThat(data).extracting(item -> (Object) ((Map<?, ?>) item.get("task_info")).get("can_cancel"))
                .containsExactly(true, true, false, false);
        assertThat(((Map<?, ?>) data.get(3).get("result")).get("url").toString()).contains("videos/task-done.mp4");
        assertThat(data.get(3)).isEqualTo(TaskRepresentation.of(views.get("owner-1", "task-done")));
    }

    @ParameterizedTest(name = "{0}={1} is refused with {2}")
    @CsvSource({
            "limit,0,invalid_limit", "limit,101,invalid_limit", "limit,abc,invalid_limit", "limit,-1,invalid_limit", "limit,'',invalid_limit",
            "status,done,invalid_status", "status,PENDING,invalid_status", "status,'',invalid_status",
            "cursor,garbage!,invalid_cursor", "cursor,'',invalid_cursor", "cursor,MTp0YXNrLTE,invalid_cursor",
            "page,2,unknown_parameter"})
    void badParametersAreRefusedNamingTheParameter(String name, String value, String code) {
        assertThatThrownBy(() -> listTasks.list("owner-1", Map.of(name, value)))
                .asInstanceOf(type(InvalidRequestException.class))
                .satisfies(e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.field()).isEqualTo(name);
                });
    }

    @Test
    void limitsAtTheBoundsAreAccepted() {
        task("task-1", "owner-1", start);
        assertThat(ids(listTasks.list("owner-1", Map.of("limit", "1")))).hasSize(1);
        assertThat(ids(listTasks.list("owner-1", Map.of("limit", "100")))).hasSize(1);
    }
}
