package io.distillab.judge;

import static io.distillab.judge.support.Requests.stage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.grpc.v1.BatchLine;
import io.distillab.judge.grpc.v1.JudgeServiceGrpc;
import io.distillab.judge.grpc.v1.StageBatchRequest;
import io.distillab.judge.judgment.JudgeRequest;
import io.distillab.judge.judgment.Judgment;
import io.distillab.judge.judgment.JudgmentService;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import io.distillab.judge.support.CapturedLogs;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.Requests;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch item on which the service itself fails (a bug, not the judge's failure): its line carries
 * only "internal error, reference ..." while the other items are judged, and the reference leads
 * to the log line with the exception. The fault is injected for one test at a time by replacing
 * {@link JudgmentService} with a subclass that throws on a marked text (QuarkusMock).
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class BatchInternalErrorTest {
    private static final String FAULT_MARK = "[provoke an internal error]";
    /** What must stay in the log: an exception's class, message and where it came from. */
    private static final String INTERNAL_TEXT = "pool exhausted on db-7.internal:5432, lock 0x7f3a";
    private static final Pattern LINE_ERROR =
            Pattern.compile("internal error, reference ([0-9a-f]{12}) \\(the service's log has the details\\)");

    @Inject
    JudgmentService judgments;

    @TestHTTPResource
    URL http;

    @BeforeEach
    void injectFault() {
        QuarkusMock.installMockForType(new FaultyJudgments(ClientProxy.unwrap(judgments)), JudgmentService.class);
    }

    @Test
    void aRestBatchLineSaysInternalErrorWithAReferenceAndTheOtherItemsAreJudged() {
        List<JsonNode> lines;
        List<String> log;
        try (CapturedLogs logs = new CapturedLogs()) {
            lines = new ArrayList<>(Requests.batch("/api/v1/stages", List.of(
                    stage("May I have your user id to look up your profile?", "offline"),
                    stage("Please wait while I check. " + FAULT_MARK, "offline"),
                    stage("Your booking has been cancelled successfully.", "offline"))));
            log = logs.records();
        }
        lines.sort(Comparator.comparingInt(l -> l.get("index").intValue()));
        assertEquals(3, lines.size());
        assertEquals("ok", lines.get(0).at("/judgment/status").textValue());
        assertEquals("ok", lines.get(2).at("/judgment/status").textValue());

        JsonNode failed = lines.get(1);
        assertEquals(1, failed.get("index").intValue());
        assertFalse(failed.has("judgment"), failed.toString());
        // index and error only: nothing of the exception travels
        assertEquals(List.of("index", "error"), fieldNames(failed));
        String reference = referenceIn(failed.get("error").textValue());
        assertLoggedWithItsException(log, reference);
    }

    @Test
    void aGrpcBatchLineSaysInternalErrorWithAReference() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress(http.getHost(), http.getPort()).usePlaintext().build();
        try (CapturedLogs logs = new CapturedLogs()) {
            JudgeServiceGrpc.JudgeServiceBlockingStub judge = JudgeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
            List<BatchLine> lines = new ArrayList<>();
            judge.annotateStageBatch(StageBatchRequest.newBuilder()
                    .addItems(io.distillab.judge.grpc.v1.StageRequest.newBuilder().setText("Thanks! " + FAULT_MARK)
                            .setJudge("offline"))
                    .addItems(io.distillab.judge.grpc.v1.StageRequest.newBuilder()
                            .setText("Could you please provide your user ID?").setJudge("offline"))
                    .build()).forEachRemaining(lines::add);
            lines.sort(Comparator.comparingInt(BatchLine::getIndex));
            assertEquals(2, lines.size());
            assertFalse(lines.get(0).hasJudgment());
            String reference = referenceIn(lines.get(0).getError());
            assertTrue(lines.get(1).hasJudgment() && lines.get(1).getError().isEmpty(), lines.get(1).toString());
            assertEquals("ok", lines.get(1).getJudgment().getStatus());
            assertLoggedWithItsException(logs.records(), reference);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static String referenceIn(String error) {
        Matcher m = LINE_ERROR.matcher(error);
        assertTrue(m.matches(), error);
        assertFalse(error.contains(INTERNAL_TEXT) || error.contains("Exception") || error.contains("at io."), error);
        return m.group(1);
    }

    /** The reference leads to exactly one log record, which holds the exception and its text. */
    private static void assertLoggedWithItsException(List<String> log, String reference) {
        List<String> records = log.stream().filter(r -> r.contains(reference)).toList();
        assertEquals(1, records.size(), String.join("\n", records));
        assertTrue(records.get(0).contains("IllegalStateException: " + INTERNAL_TEXT), records.get(0));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The real service, except that a marked text makes it fail as a bug would. */
    static final class FaultyJudgments extends JudgmentService {
        private final JudgmentService real;

        FaultyJudgments(JudgmentService real) {
            super(null, null, null, null, null);
            this.real = real;
        }

        @Override
        public void validate(JudgeRequest request, String path) {
            real.validate(request, path);
        }

        @Override
        public Judgment<StageAnswer> annotateStage(StageRequest request) {
            if (request.text().contains(FAULT_MARK)) {
                throw new IllegalStateException(INTERNAL_TEXT);
            }
            return real.annotateStage(request);
        }
    }
}
