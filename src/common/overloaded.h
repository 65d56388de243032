#pragma once
// The visitor idiom for std::visit over a variant of actions: one lambda per alternative.
namespace nf {

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace nf
