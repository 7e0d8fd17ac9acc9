import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.HashMap;
import java.util.Map;

/**
 * Compares two analyses with --rps --edges validated (in-process with the offline judge, and through
 * the services): every off-diagonal pair has an RPS in [1, 5], and AGS, its parts and RPS agree to
 * 1e-12. Run: java -cp "cli/target/lib/*" scripts/E2eCheck.java LOCAL REMOTE
 */
public class E2eCheck {
    public static void main(String[] args) throws Exception {
        ObjectMapper m = new ObjectMapper();
        Map<String, JsonNode> local = new HashMap<>();
        for (JsonNode p : m.readTree(new File(args[0])).get("pairs")) {
            local.put(p.get("a").asText() + "|" + p.get("b").asText(), p);
        }
        JsonNode remote = m.readTree(new File(args[1])).get("pairs");
        check(remote.size() == local.size() && remote.size() == 10, "10 pairs, got " + remote.size());
        for (JsonNode p : remote) {
            JsonNode q = local.get(p.get("a").asText() + "|" + p.get("b").asText());
            check(q != null, "pair " + p.get("a") + "/" + p.get("b") + " only on the server");
            if (!p.get("a").equals(p.get("b"))) {
                check(p.path("rps").isNumber() && p.path("rps").asDouble() >= 1 && p.path("rps").asDouble() <= 5,
                        "rps of " + p);
            }
            for (String metric : new String[] {"ags", "s_node", "s_seq", "s_dep", "rps"}) {
                if (q.get(metric).isNull()) {
                    check(p.get(metric).isNull(), metric + " of " + p);
                } else {
                    check(Math.abs(p.get(metric).asDouble() - q.get(metric).asDouble()) < 1e-12, metric + " of " + p);
                }
            }
        }
        System.out.println("e2e: RPS on every pair; RPS and validated edges agree with the in-process analysis");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("e2e check failed: " + what);
            System.exit(1);
        }
    }
}
