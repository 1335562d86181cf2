package dev.reelay.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/cli.md is the command line's own help: every command's {@code --help}, as {@code ./reelay} prints
 * it, in the order the commands are declared. When a command changes, this test fails and says how to
 * write the page again from the CLI: run it with {@code -Dreelay.writeCliReference=true}.
 */
class CliReferenceTest {
    static final String WRITE = "reelay.writeCliReference";
    static final String PAGE = "docs/cli.md";

    @TempDir
    Path work;

    @Test
    void docsCliMdIsEveryCommandsOwnHelp() throws Exception {
        Path page = RepoLayout.locate().root().resolve(PAGE);
        String generated = reference();
        if (Boolean.getBoolean(WRITE)) {
            Files.writeString(page, generated);
        }
        assertThat(page).as("%s exists; write it with: mvn -pl infrastructure/integration-tests -am verify -Dtest=CliReferenceTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -D%s=true", PAGE, WRITE).exists();
        assertThat(Files.readString(page))
                .as("%s is not the CLI's help any more; write it again with: mvn -pl infrastructure/integration-tests -am verify"
                        + " -Dtest=CliReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -D%s=true", PAGE, WRITE)
                .isEqualTo(generated);
    }

    /** Every command, walked from the root as picocli declares them, with its help text in a block. */
    private String reference() {
        StringBuilder page = new StringBuilder("""
                # The command line, command by command

                <!-- Written from the CLI's own help by CliReferenceTest; do not edit by hand (see docs/testing.md). -->
                Each command's `--help`, exactly as `./reelay` prints it. What the commands are for, with
                examples, is in [local-stack.md](local-stack.md#the-command-line); the exit codes are at the end of
                every command's help.

                """);
        List<List<String>> commands = new ArrayList<>();
        walk(Cli.commandLine(launcher(new ByteArrayOutputStream(), new ByteArrayOutputStream())), new ArrayList<>(), commands);
        for (List<String> command : commands) {
            page.append("## `reelay").append(command.isEmpty() ? "" : " " + String.join(" ", command)).append("`\n\n```text\n")
                    .append(help(command).stripTrailing()).append("\n```\n\n");
        }
        return page.toString().stripTrailing() + "\n";
    }

    private static void walk(CommandLine command, List<String> path, List<List<String>> found) {
        found.add(List.copyOf(path));
        for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().name().equals(sub.getKey())) { // aliases once
                List<String> deeper = new ArrayList<>(path);
                deeper.add(sub.getKey());
                walk(sub.getValue(), deeper, found);
            }
        }
    }

    /** The help the command prints: on stdout, or on stderr for {@code sandbox}, whose own parser prints it. */
    private String help(List<String> command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(command);
        args.add("--help");
        int exit = launcher(out, err).run(args.toArray(String[]::new));
        assertThat(exit).as("reelay %s --help", String.join(" ", command)).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        return help.isBlank() ? err.toString(StandardCharsets.UTF_8) : help;
    }

    private Launcher launcher(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve(".reelay"), Map.of());
    }
}
