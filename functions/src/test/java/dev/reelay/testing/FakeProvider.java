package dev.reelay.testing;

import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.port.ProviderClient;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** A scripted provider for unit tests: records jobs, refuses as told, answers with the status it is given. */
public final class FakeProvider implements ProviderClient {
    private final String name;
    public final List<ProviderJob> submitted = new ArrayList<>();
    public final Deque<ProviderException> refusals = new ArrayDeque<>();
    public Submission alreadySubmitted;
    /** Whether a lookup by external id really asks (so "none" means no job): Kling's kind of vendor. */
    public boolean findsJobs = false;
    public JobStatus status = new JobStatus(JobState.RUNNING, 40, null, null);
    public byte[] video = new byte[0];
    /** What {@link #cancel} answers (or throws, when {@link #cancelRefusal} is set); every call is recorded. */
    public boolean cancels = false;
    public ProviderException cancelRefusal;
    public final List<String> cancelRequests = new ArrayList<>();

    public FakeProvider(String name) {
        this.name = name;
    }

    public FakeProvider() {
        this("fake");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Submission submit(ProviderJob job) {
        if (!refusals.isEmpty()) {
            throw refusals.pop();
        }
        submitted.add(job);
        return new Submission(name + "-" + submitted.size(), 30);
    }

    @Override
    public Optional<Submission> findByExternalTaskId(String externalTaskId) {
        return Optional.ofNullable(alreadySubmitted);
    }

    @Override
    public boolean findsJobsByExternalTaskId() {
        return findsJobs;
    }

    @Override
    public JobStatus query(String providerTaskId) {
        return status;
    }

    @Override
    public boolean cancel(String providerTaskId) {
        cancelRequests.add(providerTaskId);
        if (cancelRefusal != null) {
            throw cancelRefusal;
        }
        return cancels;
    }

    /** What {@link #parseCallback} reads from any body: none unless a test sets one. */
    public CallbackReport callback;

    @Override
    public Optional<CallbackReport> parseCallback(byte[] body) {
        return Optional.ofNullable(callback);
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return new VideoDownload(new ByteArrayInputStream(video), video.length);
    }
}
