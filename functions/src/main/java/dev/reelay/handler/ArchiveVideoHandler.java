package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;

/** State machine task: Streams a finished video from the provider into the archive. */
public final class ArchiveVideoHandler extends WorkflowStepHandler {

    public ArchiveVideoHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public ArchiveVideoHandler(VideoGenerationSteps steps) {
        super(steps::archiveVideo);
    }
}
