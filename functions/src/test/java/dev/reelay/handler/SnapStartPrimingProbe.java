package dev.reelay.handler;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.security.Provider;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Security;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a JVM of its own by {@link SnapStartPrimingTest}, with the environment Lambda gives the
 * functions but no AWS credentials: counts every use of a {@code SecureRandom} from the start, then
 * initialises {@link AwsFunctions} (and so {@code AwsClients}) as Lambda's init does and primes as the
 * snapshot does. Prints one
 * line: {@code steps=<the steps> initRandom=<n> primingRandom=<n>}.
 * <p>
 * With {@code control} as its argument it does what priming must not (resolves credentials, draws a
 * random number, sends a request) and prints {@code controlRandom=<n>}: proof that the test sees those.
 */
public final class SnapStartPrimingProbe {
    static final AtomicLong RANDOM_USES = new AtomicLong();

    /** Every new SecureRandom() of this JVM: counts its uses, draws from the JDK's own generator. */
    public static final class CountingRandomSpi extends SecureRandomSpi {
        private final SecureRandom delegate;

        public CountingRandomSpi() {
            try {
                delegate = SecureRandom.getInstance("SHA1PRNG", "SUN");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void engineSetSeed(byte[] bytes) {
            RANDOM_USES.incrementAndGet();
            delegate.setSeed(bytes);
        }

        @Override
        protected void engineNextBytes(byte[] bytes) {
            RANDOM_USES.incrementAndGet();
            delegate.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(int numBytes) {
            RANDOM_USES.incrementAndGet();
            return delegate.generateSeed(numBytes);
        }
    }

    /** The most preferred provider, so that every {@code new SecureRandom()} is a counting one. */
    static final class CountingProvider extends Provider {
        CountingProvider() {
            super("CountingRandom", "1.0", "Counts SecureRandom uses");
            putService(new Provider.Service(this, "SecureRandom", "CountingRandom", CountingRandomSpi.class.getName(), List.of(), null));
        }
    }

    private SnapStartPrimingProbe() {
    }

    public static void main(String[] args) throws Exception {
        Security.insertProviderAt(new CountingProvider(), 1);
        if (!new SecureRandom().getAlgorithm().equals("CountingRandom")) {
            throw new IllegalStateException("The counting SecureRandom is not the default one");
        }

        if (args.length > 0 && args[0].equals("control")) {
            new SecureRandom().nextInt();
            DefaultCredentialsProvider.builder().build().resolveCredentials();
            try (DynamoDbClient dynamoDb = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
                dynamoDb.describeLimits();
            } catch (RuntimeException expected) {
                // the stub endpoint answers nonsense; the request was sent, which is the point
            }
            System.out.println("controlRandom=" + RANDOM_USES.get());
            return;
        }

        long atStart = RANDOM_USES.get();
        SnapStartPriming priming = AwsFunctions.PRIMING; // initialises AwsClients, as the handlers' constructors do
        long afterInit = RANDOM_USES.get();
        List<String> steps = priming.prime();
        priming.beforeCheckpoint(null); // what the runtime calls: must not throw either
        long afterPriming = RANDOM_USES.get();
        System.out.println("steps=" + String.join(",", steps) + " initRandom=" + (afterInit - atStart)
                + " primingRandom=" + (afterPriming - afterInit));
    }
}
