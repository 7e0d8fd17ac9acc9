package io.distillab.core.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolClassesTest {
    private final ToolClasses d = ToolClasses.defaults();

    @Test
    void tau2LabelsOfTheDefaultMap() {
        assertEquals(ToolClass.WRITE, d.classOf("update_reservation_baggages"));
        assertEquals(ToolClass.WRITE, d.classOf("modify_user_address"));
        assertEquals(ToolClass.WRITE, d.classOf("send_certificate"));
        assertEquals(ToolClass.GENERIC, d.classOf("think"));
        assertEquals(ToolClass.GENERIC, d.classOf("Finish"));
        assertEquals(ToolClass.GENERIC, d.classOf("transfer_to_human_agents"));
        assertEquals(ToolClass.READ, d.classOf("get_reservation_details"));
        assertEquals(ToolClass.READ, d.classOf("find_user_id_by_email"));
    }

    @Test
    void prefixRuleForToolsInNoMap() {
        for (String w : new String[] {"book_hotel", "cancel_x", "create_ticket", "update_x", "modify_x", "delete_x",
            "exchange_x", "return_x", "send_email", "set_alarm", "add_item", "remove_item", "post_message", "put_file"}) {
            assertEquals(ToolClass.WRITE, d.classOf(w), w);
        }
        assertEquals(ToolClass.READ, d.classOf("search_for_seo_api"));
        assertEquals(ToolClass.READ, d.classOf("Book_hotel"), "prefixes are case-sensitive");
        assertEquals(ToolClass.READ, d.classOf("bookmark"), "the prefix includes the underscore");
    }

    @Test
    void aUserMapAddsToTheDefaultsAndWins(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("classes.json");
        Files.writeString(f, "{\"think\": \"READ\", \"transitaires_for_transitaires\": \"generic\", \"post_x\": \"READ\"}");
        ToolClasses c = ToolClasses.fromFile(f);
        assertEquals(ToolClass.READ, c.classOf("think"));
        assertEquals(ToolClass.GENERIC, c.classOf("transitaires_for_transitaires"));
        assertEquals(ToolClass.READ, c.classOf("post_x"), "an explicit class beats the prefix rule");
        assertEquals(ToolClass.WRITE, c.classOf("book_reservation"), "defaults remain");
        Files.writeString(f, "{\"think\": \"SOMETIMES\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ToolClasses.fromFile(f));
        assertTrue(e.getMessage().contains("field 'think': expected WRITE, READ or GENERIC"), e.getMessage());
        Files.writeString(f, "[1]");
        assertThrows(IllegalArgumentException.class, () -> ToolClasses.fromFile(f));
    }
}
