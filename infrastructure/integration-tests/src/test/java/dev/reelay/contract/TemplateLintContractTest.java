package dev.reelay.contract;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.reelay.contract.CloudFormationTemplate.list;
import static dev.reelay.contract.CloudFormationTemplate.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CI lints template.yaml with cfn-lint, informational checks included, before the build, and fails
 * clearly without it; a finding kept on purpose is silenced for its resource alone and listed, with
 * its reason, in docs/template.md. (cfn-lint itself runs in .ci/run, not here: the build does not
 * need Python.)
 */
class TemplateLintContractTest {
    private static final Path REPO = TemplateContractTest.REPO;
    static final String LINT = "cfn-lint --include-checks I --non-zero-exit-code informational -- template.yaml";

    @Test
    void ciLintsTheTemplateWithInformationalChecksBeforeTheBuild() throws IOException {
        String run = Files.readString(REPO.resolve(".ci/run"));
        assertThat(run).as("fails, saying so, when cfn-lint is missing").contains("command -v cfn-lint")
                .contains("'cfn-lint' is not installed");
        assertThat(run).contains("set -euo pipefail").contains(LINT + "\n");
        assertThat(run.indexOf(LINT)).as("the lint comes before the build").isLessThan(run.indexOf("mvn -B -ntp verify"));
        assertThat(run).as("no finding is silenced for the whole template").doesNotContain("--ignore-checks").doesNotContain(" -i ");
        assertThat(Files.readString(REPO.resolve("docs/template.md"))).as("the documented command is CI's").contains(LINT);
    }

    /** Every resource that silences a cfn-lint check for itself is in docs/template.md's table of kept findings. */
    @Test
    void everyKeptFindingIsListedWithItsReason() throws IOException {
        CloudFormationTemplate template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
        String templateDoc = Files.readString(REPO.resolve("docs/template.md"));
        String linting = templateDoc.substring(templateDoc.indexOf("## Linting"));
        Set<String> silencing = new TreeSet<>();
        template.resources().forEach((id, resource) -> {
            Map<String, Object> config = map(map(map(resource.get("Metadata")).get("cfn-lint")).get("config"));
            for (Object check : list(config.get("ignore_checks"))) {
                silencing.add(id);
                assertThat(linting).as(id + " keeps " + check + ": docs/template.md lists it with its reason")
                        .containsPattern("\\| `" + check + "` \\| `" + id + "` \\| \\S");
            }
        });
        assertThat(map(template.root().get("Metadata"))).as("no check is silenced for the whole template").doesNotContainKey("cfn-lint");
        if (silencing.isEmpty()) {
            assertThat(linting).as("the table says that nothing is kept").contains("| none |");
        }
    }
}
