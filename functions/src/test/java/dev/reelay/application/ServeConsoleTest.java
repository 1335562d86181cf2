package dev.reelay.application;

import dev.reelay.port.StorageOrigins;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ServeConsoleTest {
    private final ServeConsole console = new ServeConsole(new StorageOrigins() {
        @Override
        public String archive() {
            return "http://127.0.0.1:41235";
        }

        @Override
        public String uploads() {
            return "http://127.0.0.1:41236";
        }
    });

    /** A file added to the folder with a name or an extension the console does not serve would be dead weight in the jar. */
    @Test
    void everyFileOfTheConsolesFolderIsServedWithItsContentTypeAndAValidator() throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(Path.of("src/main/resources/console"))) {
            files = listed.toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            String name = file.getFileName().toString();
            ServeConsole.Asset asset = console.asset(name).orElseThrow(() -> new AssertionError(name + " is not served"));
            assertThat(asset.body()).isEqualTo(Files.readAllBytes(file));
            assertThat(asset.contentType()).as(name).isNotBlank();
            assertThat(asset.etag()).as(name).matches("\"[0-9a-f]{32}\"");
        }
        assertThat(console.asset(ServeConsole.INDEX).orElseThrow().contentType()).isEqualTo("text/html; charset=utf-8");
    }

    @Test
    void namesThatAreNotOnePlainFileNameAreNeverLookedUp() {
        for (String name : new String[] {null, "", "../openapi.yaml", "..", "/etc/passwd", "a/b.mjs", "app.mjs%00.css", ".hidden.css",
                "openapi.yaml", "reelay-log4j2.xml", "App.mjs", "app.js"}) {
            assertThat(console.asset(name)).as(name).isEmpty();
        }
    }

    @Test
    void thePolicyNamesTheStorageOriginsAndNothingUnsafe() {
        assertThat(console.contentSecurityPolicy())
                .isEqualTo("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
                        + "media-src http://127.0.0.1:41235; connect-src 'self' http://127.0.0.1:41236; "
                        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    }
}
