package dev.reelay.testing;

import dev.reelay.port.ImageSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Serves fixed image bytes by location, and records what was fetched. */
public final class FixedImageSource implements ImageSource {
    private final Map<String, byte[]> images;
    public final List<String> fetched = new ArrayList<>();

    public FixedImageSource(Map<String, byte[]> images) {
        this.images = images;
    }

    @Override
    public byte[] fetch(String field, String location, long maxBytes) {
        fetched.add(location);
        byte[] image = images.get(location);
        if (image == null) {
            throw new dev.reelay.domain.error.InvalidRequestException(field, "image_unreachable", "no image at " + location);
        }
        return image;
    }

    /** Records the URL; resolution is the real adapter's business (FetchingImageSourceTest). */
    @Override
    public void checkPublicAddress(String field, String url) {
        checkedAddresses.add(url);
    }

    public final List<String> checkedAddresses = new ArrayList<>();
}
