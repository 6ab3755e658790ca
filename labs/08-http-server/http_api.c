/* http_api.c - the JSON API under /api, the routes a Flask app would
 * write as
 *
 *     @app.get("/api")                def hello(): ...
 *     @app.post("/api/submit")        def submit(): ...
 *     @app.get("/api/data")           def data(): ...
 *     @app.post("/api/users")         def create(): ...
 *     @app.get("/api/users/<int:n>")  def user(n): ...
 *
 * Every JSON text is made and read by jansson, never by hand. */
#include "http_server.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hs_is_api_path(const char *path)
{
    return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

int hs_serve_api(hs_exchange *ex)
{
    /* TODO(step 6): the five routes of the guide's table, each answer made
     * with json_pack() and sent with hs_send_buffer(ex, status,
     * "application/json", text, len, NULL); the wrong method is 405 with
     * its Allow; any other path under /api/ is 404. */
    return hs_send_error(ex, 404, NULL, "The API is not written yet.");
}
