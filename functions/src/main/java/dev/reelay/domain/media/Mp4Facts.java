package dev.reelay.domain.media;

import java.util.List;

/** What an MP4's {@code moov} box says: duration and one entry per track. */
public record Mp4Facts(double durationSeconds, List<Track> tracks) {

    public Mp4Facts {
        tracks = List.copyOf(tracks);
    }

    /**
     * One track: {@code handlerType} from {@code mdia/hdlr} ({@code vide}, {@code soun}, ...) and
     * {@code codec}, the first sample entry type in {@code stsd} ({@code avc1}, {@code mp4a}, ...).
     */
    public record Track(String handlerType, String codec) {
    }

    /** Whether any track is video, whatever its codec. */
    public boolean hasVideoTrack() {
        return tracks.stream().anyMatch(t -> t.handlerType().equals("vide"));
    }

    /** Whether a video track uses the given codec, e.g. {@code avc1}. */
    public boolean hasVideoTrack(String codec) {
        return tracks.stream().anyMatch(t -> t.handlerType().equals("vide") && t.codec().equals(codec));
    }
}
