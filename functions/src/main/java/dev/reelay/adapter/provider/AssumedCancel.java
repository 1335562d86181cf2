package dev.reelay.adapter.provider;

import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.VendorStatus;
import dev.reelay.port.ProviderClient.JobStatus;

import java.util.function.Supplier;

/**
 * How Reelay reads a vendor's cancel endpoint that no vendor documents (docs/vendors.md). The unified aggregator and
 * APIMart report a {@code cancelled} status (and the aggregator's task object has
 * {@code task_info.can_cancel}), so a {@code POST /v1/tasks/{task_id}/cancel} answering the task
 * object is ASSUMED for both, and read tolerantly:
 * <ul>
 *   <li>a 2xx answer whose task has a known status confirms the cancel only if that status is
 *       {@code cancelled}; without a (known) status, the 2xx itself is taken as the vendor's yes;</li>
 *   <li>404 or 405 (no such endpoint, or no such task there): not cancelled;</li>
 *   <li>400 or 409 (the vendor's "not cancellable"): not cancelled, unless a query shows the job is
 *       already {@code cancelled} (an earlier attempt of ours got through);</li>
 *   <li>anything else is the vendor's usual error, thrown as a classified {@link ProviderException}.</li>
 * </ul>
 * "Not cancelled" means the vendor goes on rendering and bills the job.
 */
public final class AssumedCancel {
    private AssumedCancel() {
    }

    /**
     * @param request sends the cancel and answers the status the vendor then reports (null when it reports none)
     * @param query   the vendor's view of the job, asked only after a "not cancellable" refusal
     */
    public static boolean run(Supplier<String> request, Supplier<JobStatus> query) {
        try {
            return VendorStatus.of(request.get()).map(state -> state == JobState.CANCELLED).orElse(true);
        } catch (ProviderException e) {
            return switch (e.httpStatus()) {
                case 404, 405 -> false;
                case 400, 409 -> query.get().state() == JobState.CANCELLED;
                default -> throw e;
            };
        }
    }
}
