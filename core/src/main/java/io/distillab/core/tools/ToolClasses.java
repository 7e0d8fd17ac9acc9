package io.distillab.core.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The class map: explicit classes first, then SPEC's prefix rule for a tool in no map. The default
 * holds the tau2-bench labels of the airline and retail domains; a user map file adds to it and
 * wins over it.
 */
public final class ToolClasses {
    private static final List<String> WRITE_PREFIXES = List.of("book_", "cancel_", "create_", "update_",
            "modify_", "delete_", "exchange_", "return_", "send_", "set_", "add_", "remove_", "post_", "put_");

    private static final Map<String, ToolClass> TAU2_LABELS = new HashMap<>();

    static {
        for (String t : List.of("book_reservation", "cancel_reservation", "send_certificate",
                "update_reservation_baggages", "update_reservation_flights", "update_reservation_passengers",
                // retail
                "cancel_pending_order", "exchange_delivered_order_items", "modify_pending_order_address",
                "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
                "return_delivered_order_items")) {
            TAU2_LABELS.put(t, ToolClass.WRITE);
        }
        for (String t : List.of("calculate", "think", "transfer_to_human_agents", "Finish")) {
            TAU2_LABELS.put(t, ToolClass.GENERIC);
        }
        // "every other tool of those domains: READ" (none of them matches a write prefix, listed for clarity)
        for (String t : List.of("get_reservation_details", "get_user_details", "list_all_airports",
                "search_direct_flight", "search_onestop_flight", "get_flight_status",
                "find_user_id_by_email", "find_user_id_by_name_zip", "get_order_details", "get_product_details",
                "list_all_product_types")) {
            TAU2_LABELS.put(t, ToolClass.READ);
        }
    }

    private static final ToolClasses DEFAULT = new ToolClasses(TAU2_LABELS);

    private final Map<String, ToolClass> explicit;

    private ToolClasses(Map<String, ToolClass> explicit) {
        this.explicit = Map.copyOf(explicit);
    }

    /** SPEC's default map. */
    public static ToolClasses defaults() {
        return DEFAULT;
    }

    /** The default map with these classes added (and winning). */
    public static ToolClasses defaultsWith(Map<String, ToolClass> overrides) {
        Map<String, ToolClass> m = new HashMap<>(TAU2_LABELS);
        m.putAll(overrides);
        return new ToolClasses(m);
    }

    /**
     * Reads a user map: a JSON object {@code {"tool_name": "WRITE" | "READ" | "GENERIC", ...}}.
     *
     * @throws IllegalArgumentException naming the file and the entry on bad input
     */
    public static ToolClasses fromFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a JSON object of tool classes: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object {\"tool\": \"WRITE|READ|GENERIC\"}");
        }
        Map<String, ToolClass> m = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                m.put(e.getKey(), ToolClass.valueOf(e.getValue().asText().toUpperCase()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(file + ": field '" + e.getKey() + "': expected WRITE, READ or GENERIC, found "
                        + e.getValue());
            }
        }
        return defaultsWith(m);
    }

    public ToolClass classOf(String tool) {
        ToolClass c = explicit.get(tool);
        if (c != null) {
            return c;
        }
        for (String p : WRITE_PREFIXES) {
            if (tool.startsWith(p)) {
                return ToolClass.WRITE;
            }
        }
        return ToolClass.READ;
    }
}
