package dev.reelay.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layers of the functions, checked on the compiled main classes (tests are free to cross them):
 * <pre>
 *   handler ──► application ──► port ──► domain
 *      │             │                     ▲
 *      ▼             └─────────────────────┤
 *   config ──► adapter ──► port, domain ───┘
 * </pre>
 * The domain is plain Java and knows nothing else of ours; ports speak the domain's language only;
 * use cases see ports, never the adapters behind them, the handlers that call them or the wiring;
 * handlers reach adapters only through the wiring in config; adapters implement ports and call no
 * use case. No AWS type enters the domain, the ports or the use cases. No two top-level packages
 * depend on each other, directly or round about.
 */
@AnalyzeClasses(packages = "dev.reelay", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {
    private static final String DOMAIN = "dev.reelay.domain..";
    private static final String PORT = "dev.reelay.port..";
    private static final String APPLICATION = "dev.reelay.application..";
    private static final String ADAPTER = "dev.reelay.adapter..";
    private static final String HANDLER = "dev.reelay.handler..";
    private static final String CONFIG = "dev.reelay.config..";
    private static final String JDK = "java..";
    private static final String JDK_EXTENSIONS = "javax..";

    @ArchTest
    static final ArchRule domainIsPlainJavaAndDependsOnNothingElseOfOurs = classes()
            .that().resideInAPackage(DOMAIN)
            .should().onlyDependOnClassesThat().resideInAnyPackage(DOMAIN, JDK, JDK_EXTENSIONS)
            .because("the domain is plain Java: our rules, in nobody's terms but our own");

    @ArchTest
    static final ArchRule portsSpeakTheDomainOnly = classes()
            .that().resideInAPackage(PORT)
            .should().onlyDependOnClassesThat().resideInAnyPackage(PORT, DOMAIN, JDK)
            .because("a port is what the use cases need, said in the domain's words");

    @ArchTest
    static final ArchRule useCasesSeeNoAdapterHandlerOrWiring = noClasses()
            .that().resideInAPackage(APPLICATION)
            .should().dependOnClassesThat().resideInAnyPackage(ADAPTER, HANDLER, CONFIG)
            .because("use cases reach the world through ports; handlers call them and config wires them");

    @ArchTest
    static final ArchRule handlersUseNoAdapterDirectly = noClasses()
            .that().resideInAPackage(HANDLER)
            .should().dependOnClassesThat().resideInAnyPackage(ADAPTER, PORT)
            .because("handlers translate events for the use cases; the adapters behind them are wired in config");

    @ArchTest
    static final ArchRule adaptersCallNoUseCaseHandlerOrWiring = noClasses()
            .that().resideInAPackage(ADAPTER)
            .should().dependOnClassesThat().resideInAnyPackage(APPLICATION, HANDLER, CONFIG)
            .because("an adapter implements a port; it is driven, it drives nothing");

    @ArchTest
    static final ArchRule configKnowsNoHandler = noClasses()
            .that().resideInAPackage(CONFIG)
            .should().dependOnClassesThat().resideInAPackage(HANDLER)
            .because("handlers are built from the wiring, not the other way round");

    @ArchTest
    static final ArchRule noAwsTypeInTheDomainPortsOrUseCases = noClasses()
            .that().resideInAnyPackage(DOMAIN, PORT, APPLICATION)
            .should().dependOnClassesThat().resideInAnyPackage("software.amazon..", "com.amazonaws..")
            .because("AWS is one place Reelay runs; its types stay in adapters, handlers and config");

    /** Handlers wire themselves through AwsFunctions, which registers SnapStart's priming on the way. */
    @ArchTest
    static final ArchRule handlersWireThemselvesThroughAwsFunctions = noClasses()
            .that().resideInAPackage(HANDLER).and().doNotHaveFullyQualifiedName("dev.reelay.handler.AwsFunctions")
            .should().dependOnClassesThat().haveFullyQualifiedName("dev.reelay.config.AwsClients")
            .because("a handler built from AwsClients directly would skip SnapStart's priming");

    @ArchTest
    static final ArchRule noCyclesBetweenTopLevelPackages = slices()
            .matching("dev.reelay.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule everyClassIsInALayer = classes()
            .that().resideInAPackage("dev.reelay..")
            .should().resideInAnyPackage(DOMAIN, PORT, APPLICATION, ADAPTER, HANDLER, CONFIG)
            .because("a new top-level package needs its place in these rules first");
}
