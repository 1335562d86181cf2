package dev.reelay.domain.media;

import dev.reelay.testing.Mp4Bytes;

import static dev.reelay.testing.Mp4Bytes.box;
import static dev.reelay.testing.Mp4Bytes.concat;
import static dev.reelay.testing.Mp4Bytes.ftyp;
import static dev.reelay.testing.Mp4Bytes.largeBox;
import static dev.reelay.testing.Mp4Bytes.mdat;
import static dev.reelay.testing.Mp4Bytes.moov;
import static dev.reelay.testing.Mp4Bytes.mvhdV0;
import static dev.reelay.testing.Mp4Bytes.mvhdV1;
import static dev.reelay.testing.Mp4Bytes.trak;
import static dev.reelay.testing.Mp4Bytes.typicalMp4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Mp4ProbeTest {

    private static Mp4Facts probe(byte[] mp4, int chunk) {
        Mp4Probe probe = new Mp4Probe();
        feed(probe, mp4, chunk);
        return probe.finish();
    }

    private static void feed(Mp4Probe probe, byte[] bytes, int chunk) {
        for (int off = 0; off < bytes.length; off += chunk) {
            probe.update(bytes, off, Math.min(chunk, bytes.length - off));
        }
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 7, 4096, Integer.MAX_VALUE})
    void readsDurationAndTracksWithMoovAfterMdat(int chunk) {
        Mp4Facts facts = probe(typicalMp4(10_000), chunk);

        assertThat(facts.durationSeconds()).isEqualTo(5.0);
        assertThat(facts.tracks()).containsExactly(
                new Mp4Facts.Track("vide", "avc1"), new Mp4Facts.Track("soun", "mp4a"));
        assertThat(facts.hasVideoTrack()).isTrue();
        assertThat(facts.hasVideoTrack("avc1")).isTrue();
        assertThat(facts.hasVideoTrack("hvc1")).isFalse();
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 7, Integer.MAX_VALUE})
    void readsMoovBeforeMdatAndVersion1Mvhd(int chunk) {
        byte[] mp4 = concat(ftyp(), moov(mvhdV1(90_000, 450_000L), trak("vide", "hvc1")), mdat(5_000));

        Mp4Facts facts = probe(mp4, chunk);

        assertThat(facts.durationSeconds()).isEqualTo(5.0);
        assertThat(facts.hasVideoTrack("hvc1")).isTrue();
    }

    @Test
    void takesTheHandlerFromMdiaNotFromTheDataHandlerInMinf() {
        Mp4Facts facts = probe(typicalMp4(16), 7);

        assertThat(facts.tracks()).extracting(Mp4Facts.Track::handlerType).containsExactly("vide", "soun");
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 7, Integer.MAX_VALUE})
    void skipsA64BitLargesizeMdat(int chunk) {
        byte[] mp4 = concat(ftyp(), largeBox("mdat", new byte[3_000]), moov(mvhdV0(1000, 3_500), trak("vide", "avc1")));

        assertThat(probe(mp4, chunk).durationSeconds()).isEqualTo(3.5);
    }

    @Test
    void acceptsALastBoxOfSizeZeroRunningToTheEnd() {
        byte[] mdatToEnd = ByteBuffer.allocate(8 + 1_000).putInt(0).put(Mp4Bytes.ascii("mdat")).array();
        byte[] mp4 = concat(ftyp(), moov(mvhdV0(1, 4), trak("vide", "avc1")), mdatToEnd);

        assertThat(probe(mp4, 7).durationSeconds()).isEqualTo(4.0);
    }

    @Test
    void acceptsQuickTimeFilesThatStartWithWide() {
        byte[] mp4 = concat(box("wide"), mdat(100), moov(mvhdV0(24, 120), trak("vide", "avc1")));

        assertThat(probe(mp4, 3).durationSeconds()).isEqualTo(5.0);
    }

    @Test
    void reportsAFileWithoutVideo() {
        Mp4Facts facts = probe(concat(ftyp(), moov(mvhdV0(1, 1), trak("soun", "mp4a"))), 7);

        assertThat(facts.hasVideoTrack()).isFalse();
    }

    @Test
    void rejectsGarbageAtTheFirstHeaderAndKeepsRejecting() {
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        Mp4Probe probe = new Mp4Probe();

        assertThatThrownBy(() -> probe.update(garbage, 0, garbage.length))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("offset 0");
        assertThatThrownBy(probe::finish).isInstanceOf(InvalidMp4Exception.class);
        assertThatThrownBy(() -> probe.update(garbage, 0, 1)).isInstanceOf(InvalidMp4Exception.class);
    }

    @Test
    void rejectsAStreamThatDoesNotStartWithAnMp4Box() {
        byte[] html = Mp4Bytes.ascii("<html><body>Access denied</body></html>");

        assertThatThrownBy(() -> probe(html, 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("first box is 'l><b'");
    }

    @Test
    void rejectsABoxSmallerThanItsHeader() {
        byte[] mp4 = concat(ftyp(), ByteBuffer.allocate(8).putInt(4).put(Mp4Bytes.ascii("mdat")).array());

        assertThatThrownBy(() -> probe(mp4, 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("less than its header");
    }

    @Test
    void rejectsATruncatedMdat() {
        byte[] whole = typicalMp4(10_000);
        byte[] cut = Arrays.copyOf(whole, ftyp().length + 5_000);

        assertThatThrownBy(() -> probe(cut, 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("'mdat'").hasMessageContaining("truncated");
    }

    @Test
    void rejectsAStreamEndingInsideABoxHeader() {
        byte[] cut = Arrays.copyOf(typicalMp4(100), ftyp().length + 5);

        assertThatThrownBy(() -> probe(cut, 1))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("inside a box header");
    }

    @Test
    void rejectsEmptyStreams() {
        assertThatThrownBy(() -> probe(new byte[0], 1))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("empty");
    }

    @Test
    void rejectsAFileWithoutMoovOrMvhd() {
        assertThatThrownBy(() -> probe(concat(ftyp(), mdat(100)), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("no moov");
        assertThatThrownBy(() -> probe(concat(ftyp(), moov(trak("vide", "avc1"))), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("no mvhd");
    }

    @Test
    void rejectsAnInnerBoxOverrunningItsParent() {
        byte[] moov = moov(mvhdV0(1, 1), trak("vide", "avc1"));
        ByteBuffer.wrap(moov).putInt(8 + 108, 100_000); // the trak's size, right after moov's header and mvhd

        assertThatThrownBy(() -> probe(concat(ftyp(), moov), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("'trak' in moov declares size 100000");
    }

    @Test
    void rejectsATrackWithoutSampleDescriptionOrHandler() {
        byte[] noStsd = box("trak", box("mdia", Mp4Bytes.hdlr("mhlr", "vide"), box("minf", box("stbl"))));
        byte[] noHdlr = box("trak", box("mdia", box("minf")));

        assertThatThrownBy(() -> probe(concat(ftyp(), moov(mvhdV0(1, 1), noStsd)), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessage("trak #1/mdia/minf/stbl has no stsd");
        assertThatThrownBy(() -> probe(concat(ftyp(), moov(mvhdV0(1, 1), noHdlr)), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessage("trak #1/mdia has no hdlr");
    }

    @Test
    void rejectsAnMvhdWithoutTimescale() {
        assertThatThrownBy(() -> probe(concat(ftyp(), moov(mvhdV0(0, 10))), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("timescale 0");
    }

    @Test
    void rejectsAMoovBeyondTheCapWithoutBufferingIt() {
        byte[] mp4 = typicalMp4(100);
        Mp4Probe probe = new Mp4Probe(256);

        assertThatThrownBy(() -> feed(probe, mp4, 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("larger than 256 bytes");
    }

    @Test
    void rejectsAMoovOfUnknownSizeBeyondTheCap() {
        byte[] moovToEnd = moov(mvhdV0(1, 1), trak("vide", "avc1"));
        ByteBuffer.wrap(moovToEnd).putInt(0, 0);
        Mp4Probe probe = new Mp4Probe(256);

        assertThatThrownBy(() -> feed(probe, concat(ftyp(), moovToEnd), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("larger than 256 bytes");
    }

    @Test
    void rejectsASecondMoov() {
        byte[] moov = moov(mvhdV0(1, 1), trak("vide", "avc1"));

        assertThatThrownBy(() -> probe(concat(ftyp(), moov, moov), 7))
                .isInstanceOf(InvalidMp4Exception.class).hasMessageContaining("second moov");
    }

    @Test
    void corruptedFilesFailOnlyWithInvalidMp4Exception() {
        byte[] valid = typicalMp4(200);
        Random random = new Random(42);
        for (int i = 0; i < 5_000; i++) {
            byte[] mutated = valid.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            byte[] input = random.nextBoolean() ? mutated : Arrays.copyOf(mutated, random.nextInt(mutated.length));
            try {
                probe(input, 1 + random.nextInt(64));
            } catch (InvalidMp4Exception expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void factsAreImmutable() {
        Mp4Facts facts = new Mp4Facts(1, new ArrayList<>(List.of(new Mp4Facts.Track("vide", "avc1"))));

        assertThatThrownBy(() -> facts.tracks().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
