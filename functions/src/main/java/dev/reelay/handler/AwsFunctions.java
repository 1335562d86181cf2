package dev.reelay.handler;

import dev.reelay.config.AwsClients;
import dev.reelay.config.Wiring;
import org.crac.Core;

/**
 * What every handler's no-arg constructor, the one Lambda calls, wires itself from: the use cases
 * built once from {@link AwsClients}, and SnapStart's priming registered beside them, so that
 * whichever function a JVM runs, its snapshot is primed. Handlers go through this class rather than
 * {@link AwsClients} itself (LayersTest checks it): the configuration knows nothing of the handlers.
 */
final class AwsFunctions {
    static final Wiring WIRING = AwsClients.WIRING;

    /**
     * Runs before SnapStart's snapshot ({@link SnapStartPriming}). Held here because CRaC's global
     * context keeps only a weak reference to what is registered with it.
     */
    static final SnapStartPriming PRIMING = SnapStartPriming.registerWith(Core.getGlobalContext());

    private AwsFunctions() {
    }
}
