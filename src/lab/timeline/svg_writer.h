#pragma once
// A minimal SVG writer. SVG is a small text format and we draw a handful of element kinds, so it is
// written by hand rather than through an XML library. Numbers are printed with a fixed precision so the
// same input gives byte-identical output.
#include <string>
#include <string_view>

namespace nf::lab {

// Escapes the five XML special characters, for text content and attribute values alike.
std::string xml_escape(std::string_view text);

// A coordinate or length with at most 2 decimals, trailing zeros trimmed ("12", "12.5", "-0.25").
std::string svg_number(double value);

class SvgWriter {
public:
    SvgWriter(double width, double height);

    void rect(double x, double y, double width, double height, std::string_view fill);
    void line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width = 1,
              std::string_view dasharray = {});
    // anchor: "start", "middle" or "end".
    void text(double x, double y, std::string_view content, double font_size = 11, std::string_view anchor = "start",
              std::string_view fill = "#222");
    void comment(std::string_view content);

    // The finished document.
    std::string finish() &&;

private:
    std::string out_;
};

}  // namespace nf::lab
