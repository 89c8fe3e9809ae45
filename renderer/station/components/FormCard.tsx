import type { ReactNode } from 'react';

/** A form on a card with its title; submitting (a tap or Enter) runs `onSubmit`, never a page load. */
export function FormCard({ testId, title, onSubmit, children }: { testId: string; title: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      className="card form"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <h3>{title}</h3>
      {children}
    </form>
  );
}
