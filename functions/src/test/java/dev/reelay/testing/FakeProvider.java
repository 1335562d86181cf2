package dev.reelay.testing;

import dev.reelay.port.ProviderClient;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** A scripted provider for unit tests: records jobs, answers with the status it is given. */
public final class FakeProvider implements ProviderClient {
    public final List<ProviderJob> submitted = new ArrayList<>();
    public JobStatus status = new JobStatus(JobStatus.State.RUNNING, 40, null, null);
    public byte[] video = new byte[0];

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Submission submit(ProviderJob job) {
        submitted.add(job);
        return new Submission("fake-" + submitted.size(), 30);
    }

    @Override
    public JobStatus query(String providerTaskId) {
        return status;
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return new VideoDownload(new ByteArrayInputStream(video), video.length);
    }
}
