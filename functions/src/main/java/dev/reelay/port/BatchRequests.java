package dev.reelay.port;

import java.util.List;

/**
 * The generation bodies of a batch, kept as given until its workflow has made their tasks: in
 * object storage, since a thousand requests can be larger than a database item.
 */
public interface BatchRequests {

    /** Keeps the bodies (JSON values; null for a manifest line that was not JSON), in order. */
    void store(String batchId, List<Object> bodies);

    /** The bodies as stored. */
    List<Object> load(String batchId);
}
