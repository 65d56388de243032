#include "lab/timeline/svg_writer.h"

#include <cmath>
#include <cstdio>

namespace nf::lab {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0 at all.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                    out += '?';
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string svg_number(double value) {
    if (std::fabs(value) < 0.005) return "0";
    char text[48];
    std::snprintf(text, sizeof text, "%.2f", value);
    std::string out = text;
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
    return out;
}

SvgWriter::SvgWriter(double width, double height) {
    out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(width) + "\" height=\"" +
            svg_number(height) + "\" viewBox=\"0 0 " + svg_number(width) + ' ' + svg_number(height) +
            "\" font-family=\"sans-serif\">\n";
    out_ += "<rect x=\"0\" y=\"0\" width=\"" + svg_number(width) + "\" height=\"" + svg_number(height) +
            "\" fill=\"white\"/>\n";
}

void SvgWriter::rect(double x, double y, double width, double height, std::string_view fill) {
    out_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(width) +
            "\" height=\"" + svg_number(height) + "\" fill=\"" + xml_escape(fill) + "\"/>\n";
}

void SvgWriter::line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width,
                     std::string_view dasharray) {
    out_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) + "\" y2=\"" +
            svg_number(y2) + "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + svg_number(stroke_width) + '"';
    if (!dasharray.empty()) out_ += " stroke-dasharray=\"" + xml_escape(dasharray) + '"';
    out_ += "/>\n";
}

void SvgWriter::text(double x, double y, std::string_view content, double font_size, std::string_view anchor,
                     std::string_view fill) {
    out_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" + svg_number(font_size) +
            "\" text-anchor=\"" + xml_escape(anchor) + "\" fill=\"" + xml_escape(fill) + "\">" + xml_escape(content) +
            "</text>\n";
}

void SvgWriter::comment(std::string_view content) {
    // "--" may not appear inside an XML comment.
    std::string safe(content);
    for (std::size_t at = safe.find("--"); at != std::string::npos; at = safe.find("--", at)) safe.replace(at, 2, "- ");
    out_ += "<!-- " + xml_escape(safe) + " -->\n";
}

std::string SvgWriter::finish() && {
    out_ += "</svg>\n";
    return std::move(out_);
}

}  // namespace nf::lab
